/* try.h — error propagation in the service, which sees only libpqcha's
 * public API (the library's own PQCHA_TRY is internal to it). */
#ifndef PQCHA_SERVICE_TRY_H
#define PQCHA_SERVICE_TRY_H

#include "pqcha/error.h"

#define SERVICE_TRY(expr)                                          \
    do {                                                           \
        pqcha_err service_try_err_ = (expr);                       \
        if (service_try_err_ != PQCHA_OK) return service_try_err_; \
    } while (0)

#endif
