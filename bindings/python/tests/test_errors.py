"""The exception hierarchy: every library code mapped, with its name and text."""

import ctypes
import pickle
import unittest

import support  # noqa: F401  (sys.path)
import pqcha
from pqcha import Code, _lib


class TestCodes(unittest.TestCase):
    def test_every_library_code_is_in_the_enum_with_its_name(self):
        lib = _lib.lib
        for value in range(0, 400):
            name = lib.pqcha_error_name(value).decode()
            if name == "UNKNOWN":
                self.assertNotIn(value, set(int(c) for c in Code), value)
                continue
            self.assertEqual(Code(value).name, "OK" if value == 0 else name, value)

    def test_every_enum_member_is_known_to_the_library(self):
        for code in Code:
            if code == Code.OK:
                continue
            self.assertEqual(_lib.lib.pqcha_error_name(int(code)).decode(), code.name)


class TestClasses(unittest.TestCase):
    EXPECTED = [
        (Code.INVALID_ARGUMENT, pqcha.ArgumentError),
        (Code.NO_MEMORY, pqcha.ArgumentError),
        (Code.CANCELLED, pqcha.ArgumentError),
        (Code.MALFORMED, pqcha.FormatError),
        (Code.OUT_OF_RANGE, pqcha.FormatError),
        (Code.BAD_KEY, pqcha.FormatError),
        (Code.BAD_CERTIFICATE, pqcha.FormatError),
        (Code.BAD_SIGNATURE, pqcha.VerificationError),
        (Code.SIGNER_MISMATCH, pqcha.VerificationError),
        (Code.UNKNOWN_BACKEND, pqcha.BackendError),
        (Code.PERMISSION, pqcha.BackendError),
        (Code.FILE_EXISTS, pqcha.FileError),
        (Code.NOT_DIRECTORY, pqcha.FileError),
        (Code.EVIDENCE_SIGNATURE, pqcha.EvidenceError),
        (Code.EVIDENCE_CHANGED, pqcha.EvidenceError),
        (Code.NONCE_USED, pqcha.ChallengeError),
        (Code.STORE_SCHEMA, pqcha.StoreError),
        (Code.LOG_PROOF, pqcha.TransparencyLogError),
        (Code.LOG_WITNESSES, pqcha.TransparencyLogError),
    ]

    def test_class_by_range(self):
        for code, cls in self.EXPECTED:
            e = pqcha.error_for(code)
            self.assertIs(type(e), cls, code)
            self.assertIsInstance(e, pqcha.PqchaError)
            self.assertEqual(e.code, code)
            self.assertIsInstance(e.code, Code)

    def test_every_code_has_a_class_and_the_library_text(self):
        for code in Code:
            if code == Code.OK:
                continue
            e = pqcha.error_for(code, "detail")
            self.assertEqual(e.name, code.name)
            self.assertEqual(e.message, _lib.lib.pqcha_strerror(int(code)).decode())
            self.assertEqual(str(e), e.message + ": detail")
            self.assertIsNot(type(e), pqcha.PqchaError, code)

    def test_unknown_code(self):
        e = pqcha.error_for(1000)
        self.assertIs(type(e), pqcha.PqchaError)
        self.assertEqual(e.code, 1000)
        self.assertEqual(e.name, "UNKNOWN")
        self.assertEqual(str(e), "unknown error")

    def test_str_without_detail_and_repr(self):
        e = pqcha.error_for(Code.BAD_SIGNATURE)
        self.assertEqual(str(e), e.message)
        self.assertTrue(e.message)
        self.assertIsNone(e.detail)
        self.assertEqual(repr(e), "VerificationError(Code.BAD_SIGNATURE)")

    def test_pickles(self):
        e = pqcha.error_for(Code.REGION_CHANGED, "region w")
        back = pickle.loads(pickle.dumps(e))
        self.assertIs(type(back), pqcha.BackendError)
        self.assertEqual((back.code, back.detail, str(back)), (e.code, e.detail, str(e)))

    def test_library_not_found_is_an_import_error(self):
        self.assertTrue(issubclass(pqcha.LibraryNotFound, ImportError))
        self.assertFalse(issubclass(pqcha.LibraryNotFound, pqcha.PqchaError))

    def test_a_real_rejection_carries_code_and_text(self):
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Key.from_pem(b"junk")
        self.assertEqual(cm.exception.code, Code.BAD_KEY)
        self.assertEqual(cm.exception.name, "BAD_KEY")
        self.assertEqual(cm.exception.message, _lib.lib.pqcha_strerror(27).decode())

    def test_handles_are_declared_as_pointers(self):
        # Guard against a declaration that would truncate 64-bit handles.
        self.assertIs(_lib.lib.pqcha_result_report.restype, ctypes.c_void_p)
        self.assertIs(_lib.lib.pqcha_report_region.restype, ctypes.c_void_p)


if __name__ == "__main__":
    unittest.main()
