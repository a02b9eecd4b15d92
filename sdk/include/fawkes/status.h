/* fawkes/status.h: the status codes every plugin call and host service returns. */
#ifndef FAWKES_STATUS_H
#define FAWKES_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * FWK_PRINTF(fmt_index, first_arg_index): lets GCC and Clang check a printf-style format
 * against its arguments. Expands to nothing on other compilers.
 */
#if defined(__GNUC__) || defined(__clang__)
#define FWK_PRINTF(fmt_index, first_arg_index)                                                     \
    __attribute__((format(printf, fmt_index, first_arg_index)))
#else
#define FWK_PRINTF(fmt_index, first_arg_index)
#endif

/*
 * The outcome of a plugin call or a host service. Values are part of the ABI and never
 * change; new values are only appended. The human detail of a failure is never carried by
 * the status itself: a plugin reports it through the host's `fail` service on the per-call
 * context, so concurrent calls cannot overwrite each other's messages.
 */
typedef enum fwk_status {
    FWK_OK = 0,          /* done, complete */
    FWK_ERROR = 1,       /* failed; the detail was reported with host->fail() */
    FWK_RETRY = 2,       /* failed for now (throttled, unavailable); the host may try again */
    FWK_PARTIAL = 3,     /* done, but some results are missing (said with host->fail()) */
    FWK_UNSUPPORTED = 4, /* this plugin does not offer the requested operation */
    FWK_CANCELLED = 5    /* stopped because the host asked (see host->cancelled()) */
} fwk_status;

/*
 * fwk_strerror: a short, static, English name for a status ("ok", "error", ...).
 * Never returns NULL ("unknown status" for values this header does not know).
 * Thread-safety: safe from any thread. Ownership: the string is static; do not free.
 */
static inline const char *fwk_strerror(fwk_status status)
{
    switch (status) {
    case FWK_OK:
        return "ok";
    case FWK_ERROR:
        return "error";
    case FWK_RETRY:
        return "retry later";
    case FWK_PARTIAL:
        return "partial result";
    case FWK_UNSUPPORTED:
        return "unsupported operation";
    case FWK_CANCELLED:
        return "cancelled";
    }
    return "unknown status";
}

#ifdef __cplusplus
}
#endif
#endif /* FAWKES_STATUS_H */
