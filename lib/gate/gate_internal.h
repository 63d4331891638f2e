/* Internal helpers shared by the gate files. */
#ifndef CONVOY_LIB_GATE_INTERNAL_H
#define CONVOY_LIB_GATE_INTERNAL_H

#include <convoy/gate.h>

#include "plan/criterion.h"

/* Parses, recording a CONVOY_E_PARSE error with the 1-based position. */
int convoy__criterion_compile(convoy__criterion *out, const char *criterion);
/* Evaluates: NaN value fails; relative without aggregate passes. */
int convoy__criterion_holds(const convoy__criterion *c, double value, double aggregate);
/* All criteria hold (1), one does not (0), or a parse error (<0). */
int convoy__criteria_all(const char *const *criteria, size_t n, double value, double aggregate);
/* The same for criteria already parsed: 1 or 0. */
int convoy__parsed_criteria_all(const convoy__criterion *criteria, size_t n, double value,
                                double aggregate);

/* Validates a caller's gate struct (version, criteria arrays). */
int convoy__check_gate(const convoy_metric_gate *gate);

#endif
