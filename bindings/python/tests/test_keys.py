"""ML-DSA keys: generate, PEM, files (0600, atomic, force), sign and verify."""

import os
import pickle
import stat
import unittest

import support
import pqcha
from pqcha import Code

RAW_LEN = {"ML-DSA-44": 1312, "ML-DSA-65": 1952, "ML-DSA-87": 2592}
SIG_LEN = {"ML-DSA-44": 2420, "ML-DSA-65": 3309, "ML-DSA-87": 4627}


class TestKeys(unittest.TestCase, support.TempDir):
    @classmethod
    def setUpClass(cls):
        cls.key = pqcha.Key.generate()

    def setUp(self):
        self.dir = self.make_tempdir()

    def test_generate_every_algorithm(self):
        for alg in pqcha.SIGNATURE_ALGORITHMS:
            with pqcha.Key.generate(alg) as k:
                self.assertEqual(k.algorithm, alg)
                self.assertTrue(k.has_private)
                self.assertRegex(k.id, r"^[0-9a-f]{64}$")
                self.assertEqual(len(k.public_raw()), RAW_LEN[alg])
                sig = k.sign(b"message")
                self.assertEqual(len(sig), SIG_LEN[alg])
                self.assertTrue(k.verify(b"message", sig))

    def test_default_is_ml_dsa_65(self):
        self.assertEqual(self.key.algorithm, "ML-DSA-65")

    def test_unknown_algorithm(self):
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Key.generate("Ed25519")
        self.assertEqual(cm.exception.code, Code.UNSUPPORTED_ALGORITHM)

    def test_key_id_is_sha3_of_the_spki(self):
        self.assertEqual(self.key.id, support.sha3(self.key.public_der()).hex())

    def test_pem_round_trips(self):
        pub = pqcha.Key.from_pem(self.key.public_pem())
        self.assertFalse(pub.has_private)
        self.assertEqual(pub.id, self.key.id)
        self.assertTrue(self.key.public_pem().startswith("-----BEGIN PUBLIC KEY-----"))
        priv = pqcha.Key.from_pem(self.key.private_pem().encode())
        self.assertTrue(priv.has_private)
        self.assertEqual(priv, self.key)
        self.assertTrue(pub.verify(b"m", priv.sign(b"m")))
        self.assertEqual(pqcha.Key.from_pem(bytearray(self.key.public_pem().encode())).id, self.key.id)

    def test_bad_pem(self):
        for junk in (b"junk", b"", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"):
            with self.assertRaises(pqcha.FormatError) as cm:
                pqcha.Key.from_pem(junk)
            self.assertEqual(cm.exception.code, Code.BAD_KEY, junk)
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Key.from_pem(b"x" * (64 * 1024 + 1))
        self.assertEqual(cm.exception.code, Code.TOO_LARGE)

    def test_public_key_copy(self):
        pub = self.key.public_key()
        self.assertFalse(pub.has_private)
        self.assertEqual(pub.id, self.key.id)
        self.assertEqual(pub.public_raw(), self.key.public_raw())
        self.assertEqual(pub, self.key)
        self.assertEqual(hash(pub), hash(self.key))
        self.assertNotEqual(pub, pqcha.Key.generate())
        with self.assertRaises(pqcha.FileError) as cm:
            pub.sign(b"x")
        self.assertEqual(cm.exception.code, Code.NOT_PRIVATE_KEY)
        with self.assertRaises(pqcha.FileError) as cm:
            pub.private_pem()
        self.assertEqual(cm.exception.code, Code.NOT_PRIVATE_KEY)

    def test_verify(self):
        sig = self.key.sign(memoryview(b"hello"))
        self.assertTrue(self.key.verify(b"hello", sig))
        self.assertTrue(self.key.verify(bytearray(b"hello"), bytearray(sig)))
        self.assertFalse(self.key.verify(b"hellO", sig))
        bad = bytearray(sig)
        bad[10] ^= 1
        self.assertFalse(self.key.verify(b"hello", bad))
        with self.assertRaises(pqcha.FormatError) as cm:
            self.key.verify(b"hello", sig[:-1])
        self.assertEqual(cm.exception.code, Code.BAD_SIGNATURE_LENGTH)
        self.assertTrue(self.key.verify(b"", self.key.sign(b"")))

    def test_save_and_load(self):
        priv = os.path.join(self.dir, "k.pem")
        pub = os.path.join(self.dir, "k.pub.pem")
        self.key.save(priv, pub)
        self.assertEqual(stat.S_IMODE(os.stat(priv).st_mode), 0o600)
        loaded = pqcha.Key.load(priv)
        self.assertTrue(loaded.has_private)
        self.assertFalse(loaded.loose_permissions)
        self.assertEqual(loaded.id, self.key.id)
        lp = pqcha.Key.load(pub)
        self.assertFalse(lp.has_private)
        self.assertEqual(lp.id, self.key.id)
        # Refuses to overwrite without force; replaces with it.
        other = pqcha.Key.generate()
        with self.assertRaises(pqcha.FileError) as cm:
            other.save(priv, pub)
        self.assertEqual(cm.exception.code, Code.FILE_EXISTS)
        self.assertEqual(pqcha.Key.load(priv).id, self.key.id)
        other.save(priv, pub, force=True)
        self.assertEqual(pqcha.Key.load(priv).id, other.id)
        self.assertEqual(pqcha.Key.load(pub).id, other.id)

    def test_save_private_only_and_public(self):
        priv = os.path.join(self.dir, "only.pem")
        self.key.save(priv)
        self.assertEqual(stat.S_IMODE(os.stat(priv).st_mode), 0o600)
        pubpath = os.path.join(self.dir, "pub.pem")
        self.key.save_public(pubpath)
        with self.assertRaises(pqcha.FileError) as cm:
            self.key.save_public(pubpath)
        self.assertEqual(cm.exception.code, Code.FILE_EXISTS)
        self.key.save_public(pubpath, force=True)
        with self.assertRaises(pqcha.FileError) as cm:
            self.key.public_key().save(os.path.join(self.dir, "x.pem"))
        self.assertEqual(cm.exception.code, Code.NOT_PRIVATE_KEY)

    def test_loose_permissions_reported(self):
        priv = os.path.join(self.dir, "loose.pem")
        self.key.save(priv)
        os.chmod(priv, 0o644)
        self.assertTrue(pqcha.Key.load(priv).loose_permissions)

    def test_load_errors(self):
        with self.assertRaises(pqcha.FileError) as cm:
            pqcha.Key.load(os.path.join(self.dir, "nope.pem"))
        self.assertEqual(cm.exception.code, Code.NOT_FOUND)
        self.assertIn("nope.pem", str(cm.exception))
        with self.assertRaises(pqcha.FileError) as cm:
            pqcha.Key.load(self.dir)
        self.assertEqual(cm.exception.code, Code.IS_DIRECTORY)
        junk = support.write(os.path.join(self.dir, "junk.pem"), b"junk")
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Key.load(junk)
        self.assertEqual(cm.exception.code, Code.BAD_KEY)
        with self.assertRaises(pqcha.FileError) as cm:
            self.key.save(os.path.join(self.dir, "no", "such", "dir.pem"))
        self.assertEqual(cm.exception.code, Code.NOT_FOUND)
        with self.assertRaises(ValueError):
            pqcha.Key.load("bad\0path")

    def test_closed_key_and_no_pickling(self):
        k = pqcha.Key.generate("ML-DSA-44")
        k.close()
        k.close()
        self.assertTrue(k.closed)
        with self.assertRaises(ValueError):
            k.sign(b"x")
        self.assertIn("closed", repr(k))
        with self.assertRaises(TypeError):
            pickle.dumps(self.key)
        with self.assertRaises(TypeError):
            pqcha.Key(0)


if __name__ == "__main__":
    unittest.main()
