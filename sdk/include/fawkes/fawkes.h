/* fawkes/fawkes.h: the whole SDK in one include. */
#ifndef FAWKES_FAWKES_H
#define FAWKES_FAWKES_H

#include "fawkes/status.h"
#include "fawkes/host.h"
#include "fawkes/plugin.h"
#include "fawkes/provider.h"
#include "fawkes/scanner.h"
#include "fawkes/policy.h"
#include "fawkes/notifier.h"

#endif /* FAWKES_FAWKES_H */
