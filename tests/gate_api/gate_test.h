/*
 * gate_test.h - what the gate_api tests share: CMocka includes and
 * double-precision assertions (cmocka 1.1's assert_float_equal is float).
 */
#ifndef CONVOY_TESTS_GATE_TEST_H
#define CONVOY_TESTS_GATE_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <convoy/convoy.h>

/* |a - b| <= eps, reporting both values. */
#define assert_near(a, b, eps)                                                              \
    do {                                                                                    \
        double a_ = (a), b_ = (b), e_ = (eps);                                              \
        if (!(fabs(a_ - b_) <= e_))                                                         \
            fail_msg("%s = %.17g, expected %.17g (within %g)", #a, a_, b_, e_);             \
    } while (0)

/* Exactly equal (including both infinite with the same sign). */
#define assert_double_equal(a, b)                                                           \
    do {                                                                                    \
        double a_ = (a), b_ = (b);                                                          \
        if (!(a_ == b_))                                                                    \
            fail_msg("%s = %.17g, expected exactly %.17g", #a, a_, b_);                     \
    } while (0)

#define assert_is_nan(a)                                                                    \
    do {                                                                                    \
        double a_ = (a);                                                                    \
        if (!isnan(a_))                                                                     \
            fail_msg("%s = %.17g, expected NaN", #a, a_);                                   \
    } while (0)

/* A status code, showing the library's message when it differs. */
#define assert_status(call, expected)                                                       \
    do {                                                                                    \
        int rc_ = (call), ex_ = (expected);                                                 \
        if (rc_ != ex_)                                                                     \
            fail_msg("%s returned %d (%s), expected %d (%s); last error: %s", #call, rc_,   \
                     convoy_strerror(rc_), ex_, convoy_strerror(ex_),                       \
                     convoy_error_message(convoy_error_last()));                            \
    } while (0)

#define assert_ok(call) assert_status(call, CONVOY_OK)

#endif
