/*
 * asserts.h - the portable part of the C tests' helpers, written once for
 * tests/c/helpers.h (POSIX) and tests/c/win/helpers.h (Windows), which
 * include it after <cmocka.h> and "mmf.h": assertions that print the
 * expression and both values (status names for statuses), and accessors
 * of a map that fail the test on an error.
 */
#ifndef MMF_TEST_ASSERTS_H
#define MMF_TEST_ASSERTS_H

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define ASSERT_ST(expr, want)                                                 \
    do {                                                                      \
        int st_ = (int)(expr);                                                \
        int want_ = (int)(want);                                              \
        if (st_ != want_)                                                     \
            fail_msg("%s\n    returned %s (%d), expected %s (%d)", #expr,     \
                     mmf_status_name(st_), st_, mmf_status_name(want_),       \
                     want_);                                                  \
    } while (0)

#define ASSERT_OK(expr) ASSERT_ST(expr, MMF_OK)

#define ASSERT_EQ(a, b)                                                       \
    do {                                                                      \
        long long a_ = (long long)(a);                                        \
        long long b_ = (long long)(b);                                        \
        if (a_ != b_)                                                         \
            fail_msg("%s == %s\n    left %lld (0x%llx), right %lld (0x%llx)", \
                     #a, #b, a_, (unsigned long long)a_, b_,                  \
                     (unsigned long long)b_);                                 \
    } while (0)

#define ASSERT_UEQ(a, b)                                                      \
    do {                                                                      \
        unsigned long long a_ = (unsigned long long)(a);                      \
        unsigned long long b_ = (unsigned long long)(b);                      \
        if (a_ != b_)                                                         \
            fail_msg("%s == %s\n    left %llu (0x%llx), right %llu (0x%llx)", \
                     #a, #b, a_, a_, b_, b_);                                 \
    } while (0)

#define ASSERT_TRUE(c)                                                        \
    do {                                                                      \
        if (!(c))                                                             \
            fail_msg("expected true: %s", #c);                                \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                   \
    do {                                                                      \
        const char *a_ = (a);                                                 \
        const char *b_ = (b);                                                 \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                  \
            fail_msg("%s == %s\n    left \"%s\", right \"%s\"", #a, #b,       \
                     a_ ? a_ : "(null)", b_ ? b_ : "(null)");                 \
    } while (0)

/* The pattern byte at offset i: not periodic over a page, never 0 (each
 * platform's helpers.c); h_fill_pattern() fills buf[0, len) with the
 * pattern from offset from. */
unsigned char h_pattern(size_t i);

static inline void
h_fill_pattern(unsigned char *buf, size_t len, size_t from)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = h_pattern(from + i);
}

/* The map's length and cursor. */
static inline size_t
h_len(const mmf_map *m)
{
    size_t len = 0;
    ASSERT_OK(mmf_len(m, &len));
    return len;
}

static inline size_t
h_tell(const mmf_map *m)
{
    size_t pos = 0;
    ASSERT_OK(mmf_tell(m, &pos));
    return pos;
}

/* The mapped bytes (pins and unpins: not across a resize or close). */
static inline unsigned char *
h_data(mmf_map *m)
{
    unsigned char *p = NULL;
    ASSERT_OK(mmf_pin(m, &p, NULL));
    mmf_unpin(m);
    return p;
}

#endif /* MMF_TEST_ASSERTS_H */
