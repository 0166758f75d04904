/* test_procmaps.c — the /proc/PID/maps parser and the merge rule, on
 * synthetic text: every accepted shape, every refusal with its exact error. */
#include "io/procmaps.h"
#include "testutil.h"

static pqcha_err parse(pqcha__maps *m, const char *text) {
    return pqcha__maps_parse(m, text, strlen(text));
}

/* Parses text that must be refused, and checks nothing is left behind. */
static pqcha_err parse_bad(const char *text) {
    pqcha__maps m = {(pqcha__map_entry *)&m, 99};
    pqcha_err err = parse(&m, text);
    if (err != PQCHA_OK) CHECK(m.entries == NULL && m.count == 0);
    pqcha__maps_free(&m);
    return err;
}

static void test_typical_lines(void) {
    const char *text =
        "555bac663000-555bac665000 r--p 00000000 fe:00 247134                     /usr/bin/cat\n"
        "555bac665000-555bac66a000 r-xp 00002000 fe:00 247134                     /usr/bin/cat\n"
        "555bad000000-555bad021000 rw-p 00000000 00:00 0                          [heap]\n"
        "7f0000000000-7f0000001000 rw-s 00000000 00:05 1234                       /dev/zero "
        "(deleted)\n"
        "7f0000001000-7f0000002000 ---p 00000000 00:00 0 \n"
        "7f0000002000-7f0000003000 rw-p 00000000 00:00 0\n"
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";
    pqcha__maps m;
    REQUIRE(parse(&m, text) == PQCHA_OK);
    REQUIRE(m.count == 7);
    const pqcha__map_entry *e = m.entries;
    CHECK(e[0].start == 0x555bac663000ull && e[0].end == 0x555bac665000ull);
    CHECK_STR(e[0].perms, "r--p");
    CHECK(e[0].offset == 0 && e[0].dev_major == 0xfe && e[0].dev_minor == 0);
    CHECK(e[0].inode == 247134 && e[0].deleted == 0);
    CHECK_STR(e[0].path, "/usr/bin/cat");
    CHECK(e[1].offset == 0x2000);
    CHECK(pqcha__map_entry_is_file(&e[0]));
    CHECK(pqcha__map_entry_readable(&e[0]) && !pqcha__map_entry_writable(&e[0]));
    CHECK_STR(e[2].path, "[heap]");
    CHECK(!pqcha__map_entry_is_file(&e[2])); /* a pseudo path is not a file */
    CHECK(pqcha__map_entry_writable(&e[2]));
    CHECK_STR(e[3].path, "/dev/zero");
    CHECK(e[3].deleted == 1 && e[3].perms[3] == 's' && e[3].dev_minor == 5);
    CHECK(e[4].path == NULL && !pqcha__map_entry_readable(&e[4])); /* padding, no name */
    CHECK(e[5].path == NULL && !pqcha__map_entry_is_file(&e[5]));
    CHECK(e[6].end == 0xffffffffff601000ull);
    CHECK_STR(e[6].path, "[vsyscall]");
    pqcha__maps_free(&m);
    CHECK(m.entries == NULL && m.count == 0);
    pqcha__maps_free(NULL);
}

static void test_paths_with_spaces_and_deleted(void) {
    const char *text = "1000-2000 r--p 00000000 08:01 11 /models/my model v2.gguf\n"
                       "2000-3000 r--p 00000000 08:01 12 /tmp/two  spaces  (deleted)\n"
                       "3000-4000 r--p 00000000 08:01 13 /tmp/(deleted)\n"
                       "4000-5000 r--p 00000000 08:01 14 /a\\012b\n"
                       "5000-6000 r--p 00000000 08:01 15  (deleted) (deleted)\n";
    pqcha__maps m;
    REQUIRE(parse(&m, text) == PQCHA_OK);
    REQUIRE(m.count == 5);
    CHECK_STR(m.entries[0].path, "/models/my model v2.gguf");
    CHECK_STR(m.entries[1].path, "/tmp/two  spaces ");
    CHECK(m.entries[1].deleted == 1);
    CHECK_STR(m.entries[2].path, "/tmp/(deleted)"); /* no space before it: part of the name */
    CHECK(m.entries[2].deleted == 0);
    CHECK_STR(m.entries[3].path, "/a\\012b"); /* the kernel's escape for a newline, kept */
    /* Only one suffix is the kernel's: the rest is the name. */
    CHECK_STR(m.entries[4].path, "(deleted)");
    CHECK(m.entries[4].deleted == 1 && !pqcha__map_entry_is_file(&m.entries[4]));
    pqcha__maps_free(&m);
}

static void test_empty_and_huge_numbers(void) {
    pqcha__maps m = {NULL, 7};
    CHECK_OK(pqcha__maps_parse(&m, "", 0)); /* an exited, unreaped process */
    CHECK(m.count == 0 && m.entries == NULL);
    CHECK_OK(pqcha__maps_parse(&m, NULL, 0));
    CHECK_ERR(pqcha__maps_parse(&m, NULL, 1), PQCHA_ERR_INVALID_ARGUMENT);
    CHECK_ERR(pqcha__maps_parse(NULL, "", 0), PQCHA_ERR_INVALID_ARGUMENT);

    /* The widest values that fit. */
    REQUIRE(parse(&m, "fffffffffffff000-ffffffffffffffff r--p ffffffffffffffff ffffffff:ffffffff "
                      "18446744073709551615 /f\n") == PQCHA_OK);
    REQUIRE(m.count == 1);
    CHECK(m.entries[0].start == 0xfffffffffffff000ull && m.entries[0].end == UINT64_MAX);
    CHECK(m.entries[0].offset == UINT64_MAX && m.entries[0].inode == UINT64_MAX);
    CHECK(m.entries[0].dev_major == 0xffffffffu && m.entries[0].dev_minor == 0xffffffffu);
    pqcha__maps_free(&m);
    /* 17 hex digits are wider than any number the kernel prints. */
    CHECK_ERR(parse_bad("10000000000000000-20000000000000000 r--p 00000000 00:00 0\n"),
              PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(parse_bad("1000-2000 r--p 10000000000000000 00:00 0\n"), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(parse_bad("1000-2000 r--p 0 100000000:00 0\n"), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(parse_bad("1000-2000 r--p 0 00:100000000 0\n"), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(parse_bad("1000-2000 r--p 0 00:00 18446744073709551616\n"), PQCHA_ERR_OUT_OF_RANGE);
    CHECK_ERR(parse_bad("1000-2000 r--p 0 00:00 99999999999999999999999\n"),
              PQCHA_ERR_OUT_OF_RANGE);
}

static void test_malformed_lines(void) {
    static const char *const bad[] = {
        "1000-2000 r--p 00000000 00:00 0",                      /* no final newline */
        "\n",                                                   /* empty line */
        "1000 r--p 00000000 00:00 0\n",                         /* no end address */
        "1000-2000 r--p 00000000 00:00\n",                      /* no inode */
        "1000-2000  r--p 00000000 00:00 0\n",                   /* two spaces */
        "1000-2000\tr--p 00000000 00:00 0\n",                   /* a tab */
        "1000-2000 r--q 00000000 00:00 0\n",                    /* not p or s */
        "1000-2000 w--p 00000000 00:00 0\n",                    /* letter in the wrong place */
        "1000-2000 r-p 00000000 00:00 0\n",                     /* three letters */
        "1000-2000 r--p 00000000 0000 0\n",                     /* no colon */
        "1000-2000 r--p 00000000 00:00 0x1\n",                  /* hex inode */
        "1000-2000 r--p 00000000 00:00 12abc\n",                /* inode runs into text */
        "1000-2000 r--p 0000000g 00:00 0\n",                    /* not hex */
        "1000-2000 r--p 0000000A 00:00 0\n",                    /* uppercase: not the kernel */
        "ABC000-ABD000 r--p 00000000 00:00 0\n",                /* uppercase */
        "-2000 r--p 00000000 00:00 0\n",                        /* empty start */
        "2000-2000 r--p 00000000 00:00 0\n",                    /* empty mapping */
        "3000-2000 r--p 00000000 00:00 0\n",                    /* end before start */
        "1000-3000 r--p 0 00:00 0\n2000-4000 r--p 0 00:00 0\n", /* overlapping */
        "5000-6000 r--p 0 00:00 0\n1000-2000 r--p 0 00:00 0\n", /* out of order */
        "1000-2000 r--p 0 00:00 0 /ok\n2000-3000 r--p 0 00:00 0 /broken", /* second unterminated */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pqcha_err err = parse_bad(bad[i]);
        if (err != PQCHA_ERR_MALFORMED) {
            fprintf(stderr, "  case %zu: %s\n", i, pqcha_error_name(err));
            CHECK_ERR(err, PQCHA_ERR_MALFORMED);
        }
    }
    /* A NUL inside a path cannot become a C string. */
    static const char with_nul[] = "1000-2000 r--p 0 00:00 1 /a\0b\n";
    pqcha__maps m;
    CHECK_ERR(pqcha__maps_parse(&m, with_nul, sizeof with_nul - 1), PQCHA_ERR_MALFORMED);
    /* A NUL in the fixed fields is just a wrong character. */
    static const char nul_field[] = "1000-2000 r--p 0\0 00:00 1 /a\n";
    CHECK_ERR(pqcha__maps_parse(&m, nul_field, sizeof nul_field - 1), PQCHA_ERR_MALFORMED);
}

static void test_path_length_limit(void) {
    size_t prefix_len = strlen("1000-2000 r--p 0 00:00 1 ");
    size_t cap = prefix_len + PQCHA__MAPS_MAX_PATH + 32;
    char *line = malloc(cap);
    REQUIRE(line != NULL);
    /* Exactly the limit, then the limit with " (deleted)": both fit. */
    memcpy(line, "1000-2000 r--p 0 00:00 1 /", prefix_len + 1);
    memset(line + prefix_len + 1, 'a', PQCHA__MAPS_MAX_PATH - 1);
    strcpy(line + prefix_len + PQCHA__MAPS_MAX_PATH, "\n");
    pqcha__maps m;
    CHECK_OK(parse(&m, line));
    CHECK(m.count == 1 && strlen(m.entries[0].path) == PQCHA__MAPS_MAX_PATH);
    pqcha__maps_free(&m);
    strcpy(line + prefix_len + PQCHA__MAPS_MAX_PATH, " (deleted)\n");
    CHECK_OK(parse(&m, line));
    CHECK(m.count == 1 && m.entries[0].deleted == 1);
    pqcha__maps_free(&m);
    /* One more byte is too long. */
    strcpy(line + prefix_len + PQCHA__MAPS_MAX_PATH, "b\n");
    CHECK_ERR(parse_bad(line), PQCHA_ERR_TOO_LARGE);
    free(line);
}

/* Never treats text after an error as a mapping, whatever the error. */
static void test_error_after_good_lines_frees_them(void) {
    CHECK_ERR(parse_bad("1000-2000 r--p 0 00:00 1 /a\n2000-3000 r--p 0 00:00 1 /b\nzzz\n"),
              PQCHA_ERR_MALFORMED);
    CHECK_ERR(
        parse_bad("1000-2000 r--p 0 00:00 1 /a\n2000-3000 r--p 0 00:00 99999999999999999999\n"),
        PQCHA_ERR_OUT_OF_RANGE);
}

static int any_file(const pqcha__map_entry *e, void *ctx) {
    (void)ctx;
    return pqcha__map_entry_is_file(e) && pqcha__map_entry_readable(e);
}

static int not_writable_file(const pqcha__map_entry *e, void *ctx) {
    (void)ctx;
    return any_file(e, NULL) && !pqcha__map_entry_writable(e);
}

static void test_merge_runs(void) {
    const char *text =
        /* an ELF image: r--, r-x, r-- contiguous; then RELRO (offset jumps back); then rw- */
        "10000-12000 r--p 00000000 08:01 7 /lib/libm.so\n"
        "12000-15000 r-xp 00002000 08:01 7 /lib/libm.so\n"
        "15000-16000 r--p 00005000 08:01 7 /lib/libm.so\n"
        "16000-17000 r--p 00005000 08:01 7 /lib/libm.so\n"
        "17000-18000 rw-p 00006000 08:01 7 /lib/libm.so\n"
        /* the same inode on another device is another file */
        "18000-19000 r--p 00007000 08:02 7 /lib/libm.so\n"
        /* a hole in the addresses */
        "20000-21000 r--p 00000000 08:01 9 /m/model.bin\n"
        "22000-23000 r--p 00001000 08:01 9 /m/model.bin\n"
        /* anonymous memory between two pieces of one file */
        "30000-31000 r--p 00000000 08:01 9 /m/model.bin\n"
        "31000-32000 rw-p 00000000 00:00 0\n"
        "32000-33000 r--p 00002000 08:01 9 /m/model.bin\n";
    pqcha__maps m;
    REQUIRE(parse(&m, text) == PQCHA_OK);
    REQUIRE(m.count == 11);
    const pqcha__map_entry *e = m.entries;
    CHECK(pqcha__map_entries_contiguous(&e[0], &e[1]));
    CHECK(!pqcha__map_entries_contiguous(&e[2], &e[3])); /* file offset goes back */
    CHECK(pqcha__map_entries_contiguous(&e[3], &e[4]));
    CHECK(!pqcha__map_entries_contiguous(&e[4], &e[5])); /* another device */
    CHECK(!pqcha__map_entries_contiguous(&e[6], &e[7])); /* address hole */
    CHECK(!pqcha__map_entries_contiguous(&e[8], &e[9])); /* anonymous */

    CHECK(pqcha__maps_run_end(&m, 0, any_file, NULL) == 3);
    CHECK(pqcha__maps_run_end(&m, 3, any_file, NULL) == 5);
    CHECK(pqcha__maps_run_end(&m, 3, not_writable_file, NULL) == 4); /* rw- stops a read-only run */
    CHECK(pqcha__maps_run_end(&m, 5, any_file, NULL) == 6);
    CHECK(pqcha__maps_run_end(&m, 6, any_file, NULL) == 7);
    CHECK(pqcha__maps_run_end(&m, 10, any_file, NULL) == 11); /* the last entry */

    CHECK(pqcha__maps_protection(&e[0], 3) == PQCHA_PROT_RX);
    CHECK(pqcha__maps_protection(&e[0], 1) == PQCHA_PROT_RO);
    CHECK(pqcha__maps_protection(&e[3], 2) == PQCHA_PROT_RW);
    pqcha__maps_free(&m);
}

static void test_merge_offset_overflow(void) {
    pqcha__maps m;
    REQUIRE(parse(&m, "1000-2000 r--p fffffffffffff800 08:01 7 /f\n"
                      "2000-3000 r--p 00000000 08:01 7 /f\n") == PQCHA_OK);
    /* fffffffffffff800 + 0x1000 wraps: an offset never continues by wrapping around. */
    CHECK(!pqcha__map_entries_contiguous(&m.entries[0], &m.entries[1]));
    pqcha__maps_free(&m);
}

static void test_protection_names(void) {
    pqcha__map_entry e[2];
    memset(e, 0, sizeof e);
    static const struct {
        const char *perms;
        pqcha_protection want;
    } cases[] = {
        {"r-xp", PQCHA_PROT_RX}, {"rw-p", PQCHA_PROT_RW}, {"r--p", PQCHA_PROT_RO},
        {"rwxp", PQCHA_PROT_RW}, {"r--s", PQCHA_PROT_RO}, {"---p", PQCHA_PROT_R},
        {"--xp", PQCHA_PROT_R},  {"-w-p", PQCHA_PROT_R},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(e[0].perms, cases[i].perms, 5);
        CHECK(pqcha__maps_protection(e, 1) == cases[i].want);
    }
    memcpy(e[0].perms, "r--p", 5);
    memcpy(e[1].perms, "---p", 5);
    CHECK(pqcha__maps_protection(e, 2) == PQCHA_PROT_R); /* not all of it is readable */
    CHECK(pqcha__maps_protection(e, 0) == PQCHA_PROT_R);
}

static void test_same_mapping(void) {
    pqcha__maps m;
    REQUIRE(parse(&m, "1000-2000 r--p 00000000 08:01 7 /f\n"
                      "2000-3000 r--p 00000000 08:01 8 /f\n"
                      "3000-4000 r--p 00000000 08:01 8 /f\n") == PQCHA_OK);
    pqcha__map_entry copy = m.entries[0];
    CHECK(pqcha__map_entry_same(&m.entries[0], &copy));
    copy.inode = 8; /* the same place, another file: replaced */
    CHECK(!pqcha__map_entry_same(&m.entries[0], &copy));
    CHECK(!pqcha__map_entry_same(&m.entries[1], &m.entries[2]));
    pqcha__maps_free(&m);
}

/* The start time that, with the PID, names one process: field 22, counted
 * from the last ')' because the command name may hold spaces and ')'. */
static void test_stat_start_time(void) {
    static const char plain[] = "1234 (bash) S 1 1234 1234 34816 1234 4194560 1000 0 0 0 1 2 0 0 "
                                "20 0 1 0 123456 8192 100\n";
    static const char tricky[] =
        "77 (a) b) (c) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 999 5\n";
    uint64_t t = 0;
    CHECK_OK(pqcha__proc_stat_start_time(plain, strlen(plain), &t));
    CHECK(t == 123456);
    CHECK_OK(pqcha__proc_stat_start_time(tricky, strlen(tricky), &t));
    CHECK(t == 999);
    static const char *const malformed[] = {
        "",                                                           /* nothing */
        "1234 bash S 1 2 3",                                          /* no command name */
        "1 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13\n",                    /* ends before field 22 */
        "1 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18  19\n", /* empty field */
        "1 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 x\n",   /* not a number */
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++)
        CHECK_ERR(pqcha__proc_stat_start_time(malformed[i], strlen(malformed[i]), &t),
                  PQCHA_ERR_MALFORMED);
    static const char huge[] =
        "1 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 99999999999999999999999\n";
    CHECK_ERR(pqcha__proc_stat_start_time(huge, strlen(huge), &t), PQCHA_ERR_OUT_OF_RANGE);
}

TEST_MAIN(TEST(test_stat_start_time), TEST(test_typical_lines),
          TEST(test_paths_with_spaces_and_deleted), TEST(test_empty_and_huge_numbers),
          TEST(test_malformed_lines), TEST(test_path_length_limit),
          TEST(test_error_after_good_lines_frees_them), TEST(test_merge_runs),
          TEST(test_merge_offset_overflow), TEST(test_protection_names), TEST(test_same_mapping))
