/* Publishing router snapshots while other threads route.
 *
 * Readers announce themselves in one of two counters, chosen by the parity
 * of an epoch, and check that the epoch did not move before they load the
 * snapshot (sleepable RCU's scheme). A publisher swaps the snapshot in,
 * advances the epoch, and waits until the counter of the previous parity
 * drains: every reader that could have loaded the old snapshot incremented
 * that counter before loading it, so when it reaches zero nobody holds the
 * old snapshot and it can be freed. Readers never wait for publishers. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "core/alloc.h"
#include "core/error.h"
#include "router_internal.h"

struct convoy_router_slot {
    _Atomic(convoy_router *) current;
    atomic_ullong epoch;
    atomic_size_t readers[2];
    pthread_mutex_t publishing; /* publishers only */
};

int convoy_router_slot_new(convoy_router_slot **out, convoy_router *initial)
{
    if (out)
        *out = NULL;
    if (!out) {
        convoy_router_free(initial);
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_router_slot_new: NULL argument");
    }
    convoy_router_slot *slot = convoy__calloc(1, sizeof *slot);
    if (!slot || pthread_mutex_init(&slot->publishing, NULL) != 0) {
        convoy__dealloc(slot);
        convoy_router_free(initial);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory creating a router slot");
    }
    atomic_init(&slot->current, initial);
    atomic_init(&slot->epoch, 0);
    atomic_init(&slot->readers[0], 0);
    atomic_init(&slot->readers[1], 0);
    *out = slot;
    return CONVOY_OK;
}

void convoy_router_slot_free(convoy_router_slot *slot)
{
    if (!slot)
        return;
    convoy_router_free(atomic_load(&slot->current));
    pthread_mutex_destroy(&slot->publishing);
    convoy__dealloc(slot);
}

/* The ticket of an acquire that pinned nothing. */
#define NO_PIN UINT32_MAX

const convoy_router *convoy_router_slot_acquire(convoy_router_slot *slot, uint32_t *ticket)
{
    if (ticket)
        *ticket = NO_PIN;
    if (!slot || !ticket)
        return NULL;
    for (;;) {
        unsigned long long e = atomic_load(&slot->epoch);
        atomic_fetch_add(&slot->readers[e & 1], 1);
        if (atomic_load(&slot->epoch) == e) {
            const convoy_router *r = atomic_load(&slot->current);
            if (!r) {
                /* Nothing to pin: a caller that returns early on NULL must
                 * not leave a pin that would block publishers for ever. */
                atomic_fetch_sub(&slot->readers[e & 1], 1);
                *ticket = NO_PIN;
                return NULL;
            }
            *ticket = (uint32_t)(e & 1);
            return r;
        }
        /* A publisher advanced the epoch meanwhile: announce again under
         * the new parity rather than hold up its wait. */
        atomic_fetch_sub(&slot->readers[e & 1], 1);
    }
}

void convoy_router_slot_release(convoy_router_slot *slot, uint32_t ticket)
{
    if (slot && ticket != NO_PIN)
        atomic_fetch_sub(&slot->readers[ticket & 1], 1);
}

static void wait_for_readers(atomic_size_t *readers)
{
    for (unsigned spins = 0; atomic_load(readers) != 0; spins++) {
        if (spins < 64) {
            sched_yield();
        } else {
            struct timespec pause = {0, 20000};
            nanosleep(&pause, NULL);
        }
    }
}

int convoy_router_slot_publish(convoy_router_slot *slot, convoy_router *next)
{
    if (!slot || !next) {
        convoy_router_free(next);
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_router_slot_publish: NULL argument");
    }
    pthread_mutex_lock(&slot->publishing);
    convoy_router *old = atomic_exchange(&slot->current, next);
    unsigned long long e = atomic_fetch_add(&slot->epoch, 1);
    wait_for_readers(&slot->readers[e & 1]);
    pthread_mutex_unlock(&slot->publishing);
    convoy_router_free(old);
    return CONVOY_OK;
}

int convoy_router_slot_route(convoy_route_result *out, convoy_router_slot *slot, size_t service,
                             const convoy_request *req)
{
    if (!slot)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_router_slot_route: NULL slot");
    uint32_t ticket;
    const convoy_router *router = convoy_router_slot_acquire(slot, &ticket);
    int rc = router ? convoy_router_route(out, router, service, req)
                    : convoy__fail(CONVOY_E_NOT_FOUND, "the router slot has no snapshot yet");
    convoy_router_slot_release(slot, ticket);
    return rc;
}
