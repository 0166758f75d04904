"""Finding the library: the search order and one clear LibraryNotFound."""

import os
import shutil
import subprocess
import tempfile
import unittest

import support
import pqcha
from pqcha import _lib

CATCH = (
    "import sys\n"
    "try:\n"
    "    import pqcha\n"
    "except ImportError as e:\n"
    "    print(type(e).__name__); print(e); sys.exit(0)\n"
    "print('LOADED', pqcha.library_path())\n"
)


class TestLoading(unittest.TestCase):
    def test_versions(self):
        self.assertEqual(pqcha.library_version(), _lib.lib.pqcha_version().decode())
        self.assertGreaterEqual(
            _lib._version_tuple(pqcha.library_version()), _lib._version_tuple(pqcha.MIN_LIBRARY_VERSION)
        )
        self.assertIn("OpenSSL", pqcha.crypto_version())
        self.assertRegex(pqcha.__version__, r"^\d+\.\d+\.\d+")
        self.assertIn(pqcha.keccak_implementation(), ("avx512", "avx2", "scalar"))

    def test_wrong_explicit_path_is_an_error_naming_it(self):
        wrong = "/nonexistent/dir/libpqcha.so.0"
        r = support.run_python(CATCH, env={"PQCHA_LIBRARY": wrong})
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "LibraryNotFound")
        self.assertIn(wrong, r.stdout)
        self.assertIn("PQCHA_LIBRARY", r.stdout)
        self.assertIn("no such file", r.stdout)
        # No fallback to another library when the variable is set.
        self.assertNotIn("LOADED", r.stdout)

    def test_a_file_that_is_no_library(self):
        with tempfile.NamedTemporaryFile(suffix=".so") as f:
            f.write(b"not an ELF file")
            f.flush()
            r = support.run_python(CATCH, env={"PQCHA_LIBRARY": f.name})
        self.assertEqual(r.stdout.splitlines()[0], "LibraryNotFound")
        self.assertIn(f.name, r.stdout)
        self.assertIn("cannot be loaded", r.stdout)

    def _compile(self, source: str) -> str:
        cc = shutil.which("cc") or shutil.which("gcc")
        if cc is None:
            self.skipTest("no C compiler to build a stand-in library")
        d = tempfile.mkdtemp(prefix="pqcha-py-lib-")
        self.addCleanup(shutil.rmtree, d, True)
        src = os.path.join(d, "fake.c")
        lib = os.path.join(d, "libpqcha.so")
        with open(src, "w") as f:
            f.write(source)
        subprocess.run([cc, "-shared", "-fPIC", "-o", lib, src], check=True, capture_output=True)
        return lib

    def test_too_old_library(self):
        lib = self._compile('const char *pqcha_version(void) { return "0.1.0"; }\n')
        r = support.run_python(CATCH, env={"PQCHA_LIBRARY": lib})
        self.assertEqual(r.stdout.splitlines()[0], "LibraryNotFound")
        self.assertIn(lib, r.stdout)
        self.assertIn("version 0.1.0, older than the %s" % pqcha.MIN_LIBRARY_VERSION, r.stdout)

    def test_library_lacking_functions(self):
        lib = self._compile('const char *pqcha_version(void) { return "9.0.0"; }\n')
        r = support.run_python(CATCH, env={"PQCHA_LIBRARY": lib})
        self.assertEqual(r.stdout.splitlines()[0], "LibraryNotFound")
        self.assertIn("lacks pqcha_", r.stdout)

    def test_search_order(self):
        saved = os.environ.get("PQCHA_LIBRARY")
        try:
            os.environ["PQCHA_LIBRARY"] = "/x/libpqcha.so"
            self.assertEqual(_lib.search_order(), [("$PQCHA_LIBRARY", "/x/libpqcha.so")])
            del os.environ["PQCHA_LIBRARY"]
            order = _lib.search_order()
        finally:
            if saved is not None:
                os.environ["PQCHA_LIBRARY"] = saved
        repo = os.path.dirname(os.path.dirname(support.PACKAGE_ROOT))
        self.assertEqual(order[0], ("the repository's build tree", os.path.join(repo, "build", "libpqcha.so")))
        self.assertEqual(order[-1], ("the dynamic loader's search path", "libpqcha.so.0"))

    def test_nothing_found_names_every_place(self):
        # Without $PQCHA_LIBRARY, from a copy of the package outside the repository
        # and with the loader unable to find libpqcha, every place is named.
        d = tempfile.mkdtemp(prefix="pqcha-py-copy-")
        self.addCleanup(shutil.rmtree, d, True)
        shutil.copytree(os.path.join(support.PACKAGE_ROOT, "pqcha"), os.path.join(d, "pqcha"))
        env = dict(os.environ)
        env.pop("PQCHA_LIBRARY", None)
        env["PYTHONPATH"] = d
        env["LD_LIBRARY_PATH"] = d  # nothing there
        r = subprocess.run([support.PYTHON, "-c", CATCH], env=env, capture_output=True, text=True, cwd=d)
        if "LOADED" in r.stdout:
            self.skipTest("an installed libpqcha is on this system: %s" % r.stdout.strip())
        self.assertEqual(r.stdout.splitlines()[0], "LibraryNotFound", r.stdout + r.stderr)
        self.assertIn("libpqcha.so.0 (the dynamic loader's search path)", r.stdout)
        self.assertNotIn("build tree", r.stdout)

    def test_loaded_from_the_variable(self):
        if "PQCHA_LIBRARY" in os.environ:
            self.assertEqual(pqcha.library_path(), os.environ["PQCHA_LIBRARY"])


if __name__ == "__main__":
    unittest.main()
