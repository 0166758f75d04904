/* test_keyfile.c — key files: 0600 private keys whatever the umask, no
 * silent overwrite, atomic replace, permission warnings, size caps. */
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static const char *tmp_path(const char *name) {
    static char paths[8][4200];
    static unsigned next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", testutil_tmpdir(), name);
    return p;
}

static unsigned file_mode(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return 0xffffffffu;
    return (unsigned)(st.st_mode & 07777);
}

static int write_text(const char *path, const char *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (f == NULL) return 0;
    size_t n = fwrite(data, 1, len, f);
    return fclose(f) == 0 && n == len;
}

/* Nothing named ".<base>.pqcha-*" may survive a save. */
static int leftover_temp_files(void) {
    DIR *d = opendir(testutil_tmpdir());
    int found = 0;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
        if (e->d_name[0] == '.' && strstr(e->d_name, ".pqcha-") != NULL) found++;
    if (d) closedir(d);
    return found;
}

static void test_private_key_is_0600_even_with_umask_0(void) {
    mode_t old = umask(0);
    pqcha_key *key = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_65));
    REQUIRE(key != NULL);
    const char *priv = tmp_path("umask0.key");
    const char *pub = tmp_path("umask0.pub");
    CHECK_OK(pqcha_key_save_private(key, priv, 0));
    CHECK(file_mode(priv) == 0600);
    CHECK_OK(pqcha_key_save_public(key, pub, 0));
    CHECK(file_mode(pub) == 0644);
    /* The forced (temp file + rename) path too. */
    CHECK_OK(pqcha_key_save_private(key, priv, 1));
    CHECK(file_mode(priv) == 0600);
    umask(077);
    CHECK_OK(pqcha_key_save_public(key, pub, 1));
    CHECK(file_mode(pub) == 0644);
    umask(old);
    CHECK(leftover_temp_files() == 0);

    pqcha_key *loaded = NULL;
    int loose = -1;
    CHECK_OK(pqcha_key_load(&loaded, priv, &loose));
    REQUIRE(loaded != NULL);
    CHECK(loose == 0);
    CHECK(pqcha_key_has_private(loaded));
    CHECK_STR(pqcha_key_id(loaded), pqcha_key_id(key));
    pqcha_key_free(loaded);
    pqcha_key_free(key);
}

static void test_existing_file_needs_force(void) {
    pqcha_key *first = NULL, *second = NULL;
    CHECK_OK(pqcha_key_generate(&first, PQCHA_ML_DSA_44));
    CHECK_OK(pqcha_key_generate(&second, PQCHA_ML_DSA_44));
    REQUIRE(first != NULL && second != NULL);
    const char *priv = tmp_path("exists.key");
    const char *pub = tmp_path("exists.pub");
    CHECK_OK(pqcha_key_save_private(first, priv, 0));
    CHECK_OK(pqcha_key_save_public(first, pub, 0));
    CHECK_ERR(pqcha_key_save_private(second, priv, 0), PQCHA_ERR_FILE_EXISTS);
    CHECK_ERR(pqcha_key_save_public(second, pub, 0), PQCHA_ERR_FILE_EXISTS);

    /* Refusal leaves the original untouched. */
    pqcha_key *loaded = NULL;
    CHECK_OK(pqcha_key_load(&loaded, priv, NULL));
    REQUIRE(loaded != NULL);
    CHECK_STR(pqcha_key_id(loaded), pqcha_key_id(first));
    pqcha_key_free(loaded);

    /* force replaces both. */
    CHECK_OK(pqcha_key_save_private(second, priv, 1));
    CHECK_OK(pqcha_key_save_public(second, pub, 1));
    loaded = NULL;
    CHECK_OK(pqcha_key_load(&loaded, priv, NULL));
    REQUIRE(loaded != NULL);
    CHECK_STR(pqcha_key_id(loaded), pqcha_key_id(second));
    CHECK(pqcha_key_has_private(loaded));
    pqcha_key_free(loaded);
    loaded = NULL;
    CHECK_OK(pqcha_key_load(&loaded, pub, NULL));
    REQUIRE(loaded != NULL);
    CHECK_STR(pqcha_key_id(loaded), pqcha_key_id(second));
    CHECK(!pqcha_key_has_private(loaded));
    pqcha_key_free(loaded);
    CHECK(leftover_temp_files() == 0);

    pqcha_key_free(second);
    pqcha_key_free(first);
}

static void test_forced_save_replaces_a_loose_file_with_0600(void) {
    const char *priv = tmp_path("loose-before.key");
    REQUIRE(write_text(priv, "old", 3));
    REQUIRE(chmod(priv, 0666) == 0);
    pqcha_key *key = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_44));
    REQUIRE(key != NULL);
    CHECK_OK(pqcha_key_save_private(key, priv, 1));
    CHECK(file_mode(priv) == 0600);
    pqcha_key_free(key);
}

static void test_symlink_is_not_followed(void) {
    const char *target = tmp_path("symlink-target");
    const char *link_path = tmp_path("symlink.key");
    REQUIRE(write_text(target, "keep me", 7));
    REQUIRE(symlink(target, link_path) == 0);
    pqcha_key *key = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_44));
    REQUIRE(key != NULL);
    CHECK_ERR(pqcha_key_save_private(key, link_path, 0), PQCHA_ERR_FILE_EXISTS);
    /* With force the link itself is replaced; the file it pointed to is untouched. */
    CHECK_OK(pqcha_key_save_private(key, link_path, 1));
    size_t len = 0;
    char *kept = testutil_read_file(target, &len);
    CHECK(kept != NULL && len == 7 && memcmp(kept, "keep me", 7) == 0);
    free(kept);
    struct stat st;
    CHECK(lstat(link_path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
    pqcha_key_free(key);
}

static void test_loose_permissions_are_reported(void) {
    pqcha_key *key = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_65));
    REQUIRE(key != NULL);
    const char *priv = tmp_path("loose.key");
    const char *pub = tmp_path("loose.pub");
    CHECK_OK(pqcha_key_save_private(key, priv, 0));
    CHECK_OK(pqcha_key_save_public(key, pub, 0));

    static const mode_t loose_modes[] = {0644, 0640, 0604, 0601, 0610};
    for (size_t i = 0; i < sizeof loose_modes / sizeof loose_modes[0]; i++) {
        REQUIRE(chmod(priv, loose_modes[i]) == 0);
        pqcha_key *loaded = NULL;
        int loose = 0;
        CHECK_OK(pqcha_key_load(&loaded, priv, &loose));
        CHECK(loose == 1);
        pqcha_key_free(loaded);
    }
    REQUIRE(chmod(priv, 0400) == 0);
    pqcha_key *loaded = NULL;
    int loose = 1;
    CHECK_OK(pqcha_key_load(&loaded, priv, &loose));
    CHECK(loose == 0);
    pqcha_key_free(loaded);

    /* A public key may be world-readable. */
    REQUIRE(chmod(pub, 0666) == 0);
    loaded = NULL;
    loose = 1;
    CHECK_OK(pqcha_key_load(&loaded, pub, &loose));
    CHECK(loose == 0);
    CHECK(loaded != NULL && !pqcha_key_has_private(loaded));
    pqcha_key_free(loaded);
    pqcha_key_free(key);
}

static void test_load_errors(void) {
    pqcha_key *key = (pqcha_key *)&key;
    int loose = 7;
    CHECK_ERR(pqcha_key_load(&key, tmp_path("does-not-exist.key"), &loose), PQCHA_ERR_NOT_FOUND);
    CHECK(key == NULL && loose == 0);
    CHECK_ERR(pqcha_key_load(&key, tmp_path("no-dir/x.key"), NULL), PQCHA_ERR_NOT_FOUND);
    CHECK_ERR(pqcha_key_load(&key, testutil_tmpdir(), NULL), PQCHA_ERR_IS_DIRECTORY);
    CHECK_ERR(pqcha_key_load(&key, NULL, NULL), PQCHA_ERR_INVALID_ARGUMENT);

    /* One byte over the cap, and exactly at the cap (then it is just not a key). */
    char *big = malloc(PQCHA_MAX_PEM_LEN + 1);
    REQUIRE(big != NULL);
    memset(big, 'A', PQCHA_MAX_PEM_LEN + 1);
    const char *over = tmp_path("oversize.pem");
    const char *at = tmp_path("at-cap.pem");
    CHECK(write_text(over, big, PQCHA_MAX_PEM_LEN + 1));
    CHECK(write_text(at, big, PQCHA_MAX_PEM_LEN));
    free(big);
    CHECK_ERR(pqcha_key_load(&key, over, NULL), PQCHA_ERR_TOO_LARGE);
    CHECK(key == NULL);
    CHECK_ERR(pqcha_key_load(&key, at, NULL), PQCHA_ERR_BAD_KEY);
    CHECK(key == NULL);

    const char *empty = tmp_path("empty.pem");
    CHECK(write_text(empty, "", 0));
    CHECK_ERR(pqcha_key_load(&key, empty, NULL), PQCHA_ERR_BAD_KEY);
}

/* A key file this user may not read is "permission denied" (PERMISSION),
 * not an I/O error. As root, the read is tried by a child as nobody. */
static void test_unreadable_key_is_permission_denied(void) {
    pqcha_key *key = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_44));
    REQUIRE(key != NULL);
    const char *path = tmp_path("unreadable.key");
    unlink(path);
    CHECK_OK(pqcha_key_save_private(key, path, 0));
    pqcha_key_free(key);
    if (geteuid() != 0) {
        REQUIRE(chmod(path, 0) == 0);
        pqcha_key *got = NULL;
        CHECK_ERR(pqcha_key_load(&got, path, NULL), PQCHA_ERR_PERMISSION);
        CHECK(got == NULL);
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        pqcha_key *got = NULL;
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(100);
        _exit((int)pqcha_key_load(&got, path, NULL));
    }
    int status = 0;
    REQUIRE(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK_ERR(WEXITSTATUS(status), PQCHA_ERR_PERMISSION);
}

/* The key id of the key file at path, or "" if it does not load. */
static void id_of(char out[65], const char *path) {
    pqcha_key *k = NULL;
    out[0] = '\0';
    if (pqcha_key_load(&k, path, NULL) == PQCHA_OK) snprintf(out, 65, "%s", pqcha_key_id(k));
    pqcha_key_free(k);
}

/* A pair is written together; a failure leaves the previous pair exactly as
 * it was (the old keygen deleted the private key when the public one could
 * not be written). */
static void test_pair(void) {
    pqcha_key *a = NULL, *b = NULL;
    CHECK_OK(pqcha_key_generate(&a, PQCHA_ML_DSA_44));
    CHECK_OK(pqcha_key_generate(&b, PQCHA_ML_DSA_44));
    REQUIRE(a && b);
    const char *priv = tmp_path("pair.pem"), *pub = tmp_path("pair.pub.pem");
    unlink(priv), unlink(pub);
    CHECK_OK(pqcha_key_save_pair(a, priv, pub, 0));
    CHECK(file_mode(priv) == 0600);
    char got[65];
    id_of(got, priv);
    CHECK_STR(got, pqcha_key_id(a));
    id_of(got, pub);
    CHECK_STR(got, pqcha_key_id(a));
    CHECK_ERR(pqcha_key_save_pair(b, priv, pub, 0), PQCHA_ERR_FILE_EXISTS);
    CHECK_ERR(pqcha_key_save_pair(b, priv, tmp_path("no-dir/x.pub"), 1), PQCHA_ERR_NOT_FOUND);
    id_of(got, priv);
    CHECK_STR(got, pqcha_key_id(a)); /* the old pair, untouched */
    id_of(got, pub);
    CHECK_STR(got, pqcha_key_id(a));
    CHECK_OK(pqcha_key_save_pair(b, priv, pub, 1));
    id_of(got, priv);
    CHECK_STR(got, pqcha_key_id(b));
    id_of(got, pub);
    CHECK_STR(got, pqcha_key_id(b));
    CHECK(leftover_temp_files() == 0);
    CHECK_ERR(pqcha_key_save_pair(b, priv, priv, 1), PQCHA_ERR_INVALID_ARGUMENT);
    pqcha_key *pub_only = NULL;
    CHECK_OK(pqcha_key_public_copy(&pub_only, b));
    CHECK_ERR(pqcha_key_save_pair(pub_only, priv, pub, 1), PQCHA_ERR_NOT_PRIVATE_KEY);
    pqcha_key_free(pub_only);
    pqcha_key_free(a);
    pqcha_key_free(b);
}

/* A kill after the publication was decided (the marker written) leaves the
 * marker and the staged files: loading the private key completes the switch.
 * A kill before it leaves staged files only: the next pair removes them. */
static void test_pair_recovery(void) {
    pqcha_key *a = NULL, *b = NULL;
    CHECK_OK(pqcha_key_generate(&a, PQCHA_ML_DSA_44));
    CHECK_OK(pqcha_key_generate(&b, PQCHA_ML_DSA_44));
    REQUIRE(a && b);
    const char *priv = tmp_path("rec.pem"), *pub = tmp_path("rec.pub.pem");
    unlink(priv), unlink(pub);
    CHECK_OK(pqcha_key_save_pair(a, priv, pub, 0));
    /* As a kill between the marker and the renames leaves things. */
    CHECK_OK(pqcha_key_save_private(b, tmp_path(".rec.pem.pqcha-new"), 1));
    CHECK_OK(pqcha_key_save_public(b, tmp_path(".rec.pub.pem.pqcha-new"), 1));
    char marker[4300];
    snprintf(marker, sizeof marker, "r %s\n", pub);
    CHECK(write_text(tmp_path(".rec.pem.pqcha-pair"), marker, strlen(marker)));
    char got[65];
    id_of(got, priv); /* the load completes the switch first */
    CHECK_STR(got, pqcha_key_id(b));
    id_of(got, pub);
    CHECK_STR(got, pqcha_key_id(b));
    CHECK(leftover_temp_files() == 0);
    /* As a kill before the marker leaves things: the pair stays b's. */
    CHECK_OK(pqcha_key_save_private(a, tmp_path(".rec.pem.pqcha-new"), 1));
    id_of(got, priv);
    CHECK_STR(got, pqcha_key_id(b));
    CHECK_OK(pqcha_key_save_pair(a, priv, pub, 1));
    CHECK(leftover_temp_files() == 0);
    pqcha_key_free(a);
    pqcha_key_free(b);
}

static void test_save_errors(void) {
    pqcha_key *key = NULL, *pub = NULL;
    CHECK_OK(pqcha_key_generate(&key, PQCHA_ML_DSA_44));
    REQUIRE(key != NULL);
    CHECK_OK(pqcha_key_public_copy(&pub, key));
    REQUIRE(pub != NULL);
    const char *path = tmp_path("public-as-private.key");
    CHECK_ERR(pqcha_key_save_private(pub, path, 0), PQCHA_ERR_NOT_PRIVATE_KEY);
    CHECK(access(path, F_OK) != 0);
    CHECK_ERR(pqcha_key_save_private(key, tmp_path("no-dir/x.key"), 0), PQCHA_ERR_NOT_FOUND);
    CHECK_ERR(pqcha_key_save_private(key, tmp_path("no-dir/x.key"), 1), PQCHA_ERR_NOT_FOUND);
    CHECK_ERR(pqcha_key_save_private(key, NULL, 0), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha_key_save_public(NULL, path, 0), PQCHA_ERR_INVALID_ARGUMENT);
    /* A public key can be saved from a public-only handle. */
    CHECK_OK(pqcha_key_save_public(pub, tmp_path("from-public.pub"), 0));
    CHECK(leftover_temp_files() == 0);
    pqcha_key_free(pub);
    pqcha_key_free(key);
}

TEST_MAIN(TEST(test_private_key_is_0600_even_with_umask_0), TEST(test_existing_file_needs_force),
          TEST(test_forced_save_replaces_a_loose_file_with_0600),
          TEST(test_symlink_is_not_followed), TEST(test_loose_permissions_are_reported),
          TEST(test_load_errors), TEST(test_unreadable_key_is_permission_denied), TEST(test_pair),
          TEST(test_pair_recovery), TEST(test_save_errors))
