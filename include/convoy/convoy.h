/*
 * convoy/convoy.h - the whole public API of libconvoy.
 *
 * Include this, link with `pkg-config --libs convoy`.
 */
#ifndef CONVOY_CONVOY_H
#define CONVOY_CONVOY_H

#include "core.h"
#include "plan.h"
#include "gate.h"
#include "traffic.h"
#include "backend.h"
#include "rollout.h"

#endif /* CONVOY_CONVOY_H */
