/*
 * mwu_tool - convoy_mann_whitney for scripts (scipy_reference.py).
 *
 * Reads cases from the file named by the first argument (or stdin): each
 * case is "NX NY" followed by NX values of x and NY values of y, separated
 * by white space ("inf" and "-inf" allowed). Prints one line per case:
 * "U P METHOD" with %.17g (METHOD: exact or asymptotic), or
 * "error CODE MESSAGE".
 */
#include <convoy/convoy.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static int read_values(FILE *in, double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char word[64];
        if (fscanf(in, "%63s", word) != 1)
            return -1;
        char *end;
        errno = 0;
        v[i] = strtod(word, &end);
        if (*end)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    FILE *in = argc > 1 ? fopen(argv[1], "r") : stdin;
    if (!in) {
        perror(argv[1]);
        return 2;
    }
    size_t nx, ny, cases = 0;
    while (fscanf(in, "%zu %zu", &nx, &ny) == 2) {
        double *x = malloc((nx ? nx : 1) * sizeof *x), *y = malloc((ny ? ny : 1) * sizeof *y);
        if (!x || !y || read_values(in, x, nx) || read_values(in, y, ny)) {
            fprintf(stderr, "mwu_tool: case %zu: cannot read %zu + %zu values\n", cases + 1, nx,
                    ny);
            return 2;
        }
        double u, p;
        int method;
        int rc = convoy_mann_whitney(&u, &p, &method, x, nx, y, ny);
        if (rc == CONVOY_OK)
            printf("%.17g %.17g %s\n", u, p, method == CONVOY_MWU_EXACT ? "exact" : "asymptotic");
        else
            printf("error %d %s\n", rc, convoy_error_message(convoy_error_last()));
        free(x);
        free(y);
        cases++;
    }
    if (!feof(in)) {
        fprintf(stderr, "mwu_tool: malformed input after %zu cases\n", cases);
        return 2;
    }
    return 0;
}
