/* sim_svg.c - `convoy simulate --svg`: the rollout as a timeline a release
 * manager reads at a glance. One lane per service in wave order: the
 * candidate weight over time as a step area (0-100 %), the mirror share as
 * a dashed line, gate verdicts as marks (pass / fail / inconclusive /
 * error: distinct shapes and colours), the service's state as a strip
 * along the lane's foot; the rollback moment as a red vertical line
 * labelled with the failing service and metric; a time axis in minutes;
 * the plan's name and the outcome in the title. SVG 1.1, all text
 * XML-escaped. */
#include "sim.h"

#include "fmt.h"
#include "utf8.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

/* Geometry (px). */
#define W 1100.0
#define ML 200.0          /* left margin: lane labels */
#define MR 48.0           /* right margin: 0 % / 100 % labels */
#define TOP 150.0         /* first lane */
#define LANE_H 74.0
#define LANE_GAP 12.0
#define MARK_Y 10.0       /* verdict marks' row, from the lane's top */
#define PLOT_TOP 22.0     /* 100 % line, from the lane's top */
#define PLOT_BOTTOM 16.0  /* 0 % line, from the lane's bottom */
#define STRIP_H 7.0       /* state strip at the lane's foot */
#define MARK_R 5.5

#define FONT "font-family=\"Helvetica, Arial, sans-serif\""

/* Colours (GitHub Primer palette: readable, colour-blind friendlier with
 * the shapes). */
#define C_PASS "#1a7f37"
#define C_FAIL "#cf222e"
#define C_INCONCLUSIVE "#bf8700"
#define C_ERROR "#57606a"
#define C_WEIGHT "#0969da"
#define C_MIRROR "#8250df"
#define C_ROLLBACK "#cf222e"
#define C_TEXT "#1f2328"
#define C_MUTED "#656d76"

/* ---- text -------------------------------------------------------------- */

/* Length of the UTF-8 sequence at s that may stand in XML text (1-4), 0
 * when it is invalid UTF-8 or U+FFFE / U+FFFF, which are not XML characters. */
static int xml_char_len(const unsigned char *s)
{
    if (s[0] == 0xEF && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF))
        return 0;
    return utf8_len(s);
}

/* Text content or attribute value: markup characters escaped, characters
 * XML 1.0 does not allow (controls, invalid UTF-8) replaced by U+FFFD. */
static void esc(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    while (*s) {
        switch (*s) {
        case '&': fputs("&amp;", f); s++; continue;
        case '<': fputs("&lt;", f); s++; continue;
        case '>': fputs("&gt;", f); s++; continue;
        case '"': fputs("&quot;", f); s++; continue;
        case '\'': fputs("&apos;", f); s++; continue;
        default: break;
        }
        if (*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r') {
            fputs("\xEF\xBF\xBD", f);
            s++;
            continue;
        }
        int n = xml_char_len(s);
        if (n == 0) {
            fputs("\xEF\xBF\xBD", f);
            s++;
            continue;
        }
        fwrite(s, 1, (size_t)n, f);
        s += n;
    }
}

/* ---- scales ------------------------------------------------------------ */

typedef struct scale {
    double total_ms;   /* the time axis spans [0, total_ms] */
    double x0, x1;     /* plot's left and right */
} scale;

static double xt(const scale *s, uint64_t t)
{
    double v = (double)t;
    if (v > s->total_ms)
        v = s->total_ms;
    return s->x0 + (s->x1 - s->x0) * v / s->total_ms;
}

/* y of a weight inside the lane whose top is `lane_y`. */
static double yw(double lane_y, uint32_t bp)
{
    double top = lane_y + PLOT_TOP, bottom = lane_y + LANE_H - PLOT_BOTTOM;
    if (bp > 10000)
        bp = 10000;
    return bottom - (bottom - top) * bp / 10000.0;
}

/* The axis step in minutes: ticks no closer than about 12 over the run. */
static uint64_t tick_minutes(double total_ms)
{
    static const uint64_t steps[] = {1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440,
                                     2880, 10080};
    double minutes = total_ms / 60000.0;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (minutes / (double)steps[i] <= 12.0)
            return steps[i];
    return 10080;
}

/* Minutes while the step is, hours once the step is whole hours. */
static const char *minutes_label(char *buf, size_t size, uint64_t minutes, uint64_t step)
{
    if (step % 60)
        snprintf(buf, size, "%" PRIu64 "m", minutes);
    else
        snprintf(buf, size, "%" PRIu64 "h", minutes / 60);
    return buf;
}

/* ---- pieces ------------------------------------------------------------ */

static const char *state_fill(int state)
{
    switch (state) {
    case CONVOY_SERVICE_PENDING: return "#d0d7de";
    case CONVOY_SERVICE_HELD: return "#d4a72c";
    case CONVOY_SERVICE_PROMOTED: return "#2da44e";
    case CONVOY_SERVICE_ROLLING_BACK: return "#ff8182";
    case CONVOY_SERVICE_ROLLED_BACK: return "#cf222e";
    default: return "#54aeff"; /* deploying, progressing, promoting */
    }
}

static const char *outcome_fill(const char *outcome)
{
    if (strcmp(outcome, "promoted") == 0)
        return C_PASS;
    if (strcmp(outcome, "rolled_back") == 0)
        return C_FAIL;
    if (strcmp(outcome, "untouched") == 0)
        return C_MUTED;
    return C_INCONCLUSIVE;
}

static const char *outcome_words(const char *outcome)
{
    if (strcmp(outcome, "rolled_back") == 0)
        return "rolled back";
    return outcome;
}

/* A verdict mark centred at (x, y). */
static void mark_shape(FILE *f, int verdict, double x, double y)
{
    double r = MARK_R;
    switch (verdict) {
    case SIM_VERDICT_PASS:
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"" C_PASS
                   "\" stroke=\"#ffffff\" stroke-width=\"1\"/>",
                x, y, r);
        break;
    case SIM_VERDICT_FAIL: /* a triangle pointing down */
        fprintf(f, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\" fill=\"" C_FAIL
                   "\" stroke=\"#ffffff\" stroke-width=\"1\"/>",
                x - r * 1.1, y - r * 0.8, x + r * 1.1, y - r * 0.8, x, y + r * 1.1);
        break;
    case SIM_VERDICT_INCONCLUSIVE: /* a diamond */
        fprintf(f, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ\" fill=\"" C_INCONCLUSIVE
                   "\" stroke=\"#ffffff\" stroke-width=\"1\"/>",
                x, y - r * 1.2, x + r * 1.2, y, x, y + r * 1.2, x - r * 1.2, y);
        break;
    default: /* error: a square */
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" C_ERROR
                   "\" stroke=\"#ffffff\" stroke-width=\"1\"/>",
                x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8);
        break;
    }
}

static void legend(FILE *f, double y)
{
    double x = ML;
    fprintf(f, "<g id=\"legend\" " FONT " font-size=\"12\" fill=\"" C_TEXT "\">\n");
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"10\" fill=\"" C_WEIGHT
               "\" fill-opacity=\"0.25\" stroke=\"" C_WEIGHT "\" stroke-width=\"2\"/>",
            x, y - 9);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">candidate weight</text>\n", x + 24, y);
    x += 138;
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_MIRROR
               "\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>",
            x, y - 4, x + 18, y - 4);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">mirror</text>\n", x + 24, y);
    x += 80;
    static const struct {
        int verdict;
        const char *label;
        double width;
    } items[] = {
        {SIM_VERDICT_PASS, "gate passed", 100},
        {SIM_VERDICT_FAIL, "gate failed", 96},
        {SIM_VERDICT_INCONCLUSIVE, "inconclusive", 106},
        {SIM_VERDICT_ERROR, "error", 62},
    };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        mark_shape(f, items[i].verdict, x + 6, y - 4);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x + 16, y, items[i].label);
        x += items[i].width;
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_ROLLBACK
               "\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>",
            x + 6, y - 11, x + 6, y + 2);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">rollback</text>\n", x + 14, y);

    /* The state strip's colours. */
    static const struct {
        int state;
        const char *label;
        double width;
    } states[] = {
        {CONVOY_SERVICE_PENDING, "waiting", 76},
        {CONVOY_SERVICE_PROGRESSING, "in progress", 100},
        {CONVOY_SERVICE_HELD, "held", 58},
        {CONVOY_SERVICE_PROMOTED, "promoted", 88},
        {CONVOY_SERVICE_ROLLING_BACK, "rolling back", 104},
        {CONVOY_SERVICE_ROLLED_BACK, "rolled back", 96},
    };
    x = ML;
    y += 20;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"" C_MUTED "\">state:</text>\n", x, y);
    x += 44;
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"18\" height=\"%.1f\" fill=\"%s\"/>", x,
                y - STRIP_H - 1, STRIP_H, state_fill(states[i].state));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x + 24, y, states[i].label);
        x += states[i].width;
    }
    fputs("</g>\n", f);
}

/* The weight (or mirror) of service s as a step path from t=0 on:
 * "M x y H x V y ...". */
static void step_path(FILE *f, const sim_service *s, const scale *sc, double lane_y,
                      uint64_t end_ms, int mirror)
{
    fprintf(f, "M%.1f %.1f", xt(sc, 0), yw(lane_y, 0));
    for (size_t k = 0; k < s->n_weights; k++) {
        const sim_weight *w = &s->weights[k];
        if (w->t > end_ms)
            break;
        fprintf(f, "H%.1fV%.1f", xt(sc, w->t), yw(lane_y, mirror ? w->mirror_bp : w->candidate_bp));
    }
    /* The last weight holds from then on: drawn to the axis' end. */
    fprintf(f, "H%.1f", sc->x1);
}

static void lane(FILE *f, const convoy_state *st, const sim_model *m, size_t i, const scale *sc,
                 double y, uint64_t end_ms)
{
    const sim_service *s = &m->svc[i];
    const char *outcome = sim_service_outcome(st, i);
    char w[FMT_BUF];

    fprintf(f, "<g class=\"lane\" id=\"lane-%zu\" data-service=\"", i);
    esc(f, s->name);
    fputs("\">\n<title>", f);
    esc(f, s->name);
    fprintf(f, ": %s</title>\n", outcome_words(outcome));

    /* Label. */
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" " FONT
               " font-size=\"14\" font-weight=\"bold\" fill=\"" C_TEXT "\">",
            ML - 14, y + 22);
    esc(f, s->name);
    fputs("</text>\n", f);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" " FONT
               " font-size=\"12\" fill=\"%s\">%s</text>\n",
            ML - 14, y + 39, outcome_fill(outcome), outcome_words(outcome));
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" " FONT
               " font-size=\"11\" fill=\"" C_MUTED "\">wave %zu, final weight %s</text>\n",
            ML - 14, y + 55, s->wave, fmt_weight(w, sizeof w, convoy_state_service_candidate_bp(st, i)));

    /* Weight area and line, mirror. */
    fputs("<path class=\"weight-area\" d=\"", f);
    step_path(f, s, sc, y, end_ms, 0);
    fprintf(f, "V%.1fZ\" fill=\"" C_WEIGHT "\" fill-opacity=\"0.18\" stroke=\"none\"/>\n",
            yw(y, 0));
    fputs("<path class=\"weight\" d=\"", f);
    step_path(f, s, sc, y, end_ms, 0);
    fputs("\" fill=\"none\" stroke=\"" C_WEIGHT "\" stroke-width=\"2\"/>\n", f);
    int mirrored = 0;
    for (size_t k = 0; k < s->n_weights; k++)
        mirrored |= s->weights[k].mirror_bp != 0;
    if (mirrored) {
        fputs("<path class=\"mirror\" d=\"", f);
        step_path(f, s, sc, y, end_ms, 1);
        fputs("\" fill=\"none\" stroke=\"" C_MIRROR
              "\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\n",
              f);
    }
    /* Weight labels where it changes (enough room only). */
    double last_x = -1e9;
    for (size_t k = 0; k < s->n_weights; k++) {
        const sim_weight *wt = &s->weights[k];
        double x = xt(sc, wt->t);
        if (wt->t > end_ms || x - last_x < 34 || wt->candidate_bp == 0)
            continue;
        /* Above the line when low, inside the area when high. */
        double ty = wt->candidate_bp >= 5000 ? yw(y, wt->candidate_bp) + 10
                                             : yw(y, wt->candidate_bp) - 3;
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" " FONT " font-size=\"9\" fill=\"" C_WEIGHT
                   "\">%s</text>\n",
                x + 2, ty, fmt_weight(w, sizeof w, wt->candidate_bp));
        last_x = x;
    }

    /* State strip. */
    double strip_y = y + LANE_H - STRIP_H - 2;
    for (size_t k = 0; k < s->n_phases; k++) {
        int last = k + 1 == s->n_phases;
        uint64_t t0 = s->phases[k].t, t1 = last ? end_ms : s->phases[k + 1].t;
        if (t0 >= t1 && !last)
            continue; /* a state left at the same instant */
        double x0 = xt(sc, t0), x1 = last ? sc->x1 : xt(sc, t1);
        if (x1 - x0 < 1.5)
            x1 = x0 + 1.5;
        const char *name = convoy_service_state_name(s->phases[k].state);
        fprintf(f, "<rect class=\"state\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                   "fill=\"%s\"><title>%s</title></rect>\n",
                x0, strip_y, x1 - x0, STRIP_H, state_fill(s->phases[k].state),
                name ? name : "?");
    }
    if (!s->n_phases || s->phases[0].t > 0) {
        /* Waiting before its first record. */
        double x1 = s->n_phases ? xt(sc, s->phases[0].t) : sc->x1;
        fprintf(f, "<rect class=\"state\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                   "fill=\"%s\"><title>pending</title></rect>\n",
                sc->x0, strip_y, x1 - sc->x0, STRIP_H, state_fill(CONVOY_SERVICE_PENDING));
    }

    /* Gate verdicts. */
    for (size_t k = 0; k < s->n_marks; k++) {
        const sim_mark *mk = &s->marks[k];
        char when[32];
        fprintf(f, "<g class=\"verdict verdict-%s\">", sim_verdict_name(mk->verdict));
        mark_shape(f, mk->verdict, xt(sc, mk->t), y + MARK_Y);
        fprintf(f, "<title>%s ", sim_clock(when, sizeof when, mk->t));
        esc(f, mk->gate ? mk->gate : "gate");
        if (mk->name) {
            fputc(' ', f);
            esc(f, mk->name);
        }
        fprintf(f, ": %s", sim_verdict_name(mk->verdict));
        if (mk->metric) {
            fputs(" (", f);
            esc(f, mk->metric);
            if (isfinite(mk->value))
                fprintf(f, " = %g", mk->value);
            fputc(')', f);
        }
        if (mk->decision) {
            fputs(" -&gt; ", f);
            esc(f, mk->decision);
        }
        if (mk->reason) {
            fputs(". ", f);
            esc(f, mk->reason);
        }
        fputs("</title></g>\n", f);
    }
    fputs("</g>\n", f);
}

int sim_svg_write(FILE *f, const convoy_plan *plan, const convoy_state *st, const sim_model *m,
                  const sim_outcome *o)
{
    uint64_t end_ms = o->end_ms > m->last_ms ? o->end_ms : m->last_ms;
    /* A little room after the end, so that what happened last shows. */
    uint64_t pad = end_ms / 25 > 60000 ? end_ms / 25 : 60000;
    scale sc = {(double)(end_ms + pad), ML, W - MR};
    double lanes_bottom = TOP + (double)m->n * (LANE_H + LANE_GAP) - LANE_GAP;
    double height = lanes_bottom + 62;
    const char *plan_name = convoy_plan_name(plan);
    char dur[FMT_BUF];

    errno = 0;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
               "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
               "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n");
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
               "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
            W, height, W, height);
    fputs("<title>", f);
    esc(f, plan_name);
    fprintf(f, ": %s</title>\n", outcome_words(o->name));
    fprintf(f, "<desc>convoy simulate timeline: candidate weight, gate verdicts and state of "
               "each service over simulated time, in wave order</desc>\n");
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", W,
            height);

    /* Title and summary line. */
    fprintf(f, "<text x=\"20\" y=\"32\" " FONT " font-size=\"20\" font-weight=\"bold\" fill=\"" C_TEXT "\">");
    esc(f, plan_name);
    fprintf(f, " \xE2\x80\x94 <tspan fill=\"%s\">%s</tspan></text>\n",
            strcmp(o->name, "promoted") == 0      ? C_PASS
            : strcmp(o->name, "rolled_back") == 0 ? C_FAIL
                                                  : C_INCONCLUSIVE,
            outcome_words(o->name));
    fprintf(f, "<text x=\"20\" y=\"54\" " FONT " font-size=\"13\" fill=\"" C_MUTED "\">");
    size_t nw = convoy_plan_wave_count(plan);
    uint64_t nd = convoy_state_decisions(st);
    fprintf(f, "%zu service%s in %zu wave%s \xC2\xB7 %s simulated \xC2\xB7 %" PRIu64
               " decision%s",
            m->n, m->n == 1 ? "" : "s", nw, nw == 1 ? "" : "s",
            fmt_duration(dur, sizeof dur, o->end_ms), nd, nd == 1 ? "" : "s");
    size_t nr = convoy_state_rollback_count(st);
    if (nr) {
        fputs(" \xC2\xB7 rollback order: ", f);
        for (size_t k = 0; k < nr; k++) {
            if (k)
                fputs(" \xE2\x86\x92 ", f);
            esc(f, convoy_service_name(convoy_plan_service(plan, convoy_state_rollback_service(st, k))));
        }
    }
    fputs("</text>\n", f);
    legend(f, 78);

    /* Time grid (under the lanes' data). */
    uint64_t step = tick_minutes(sc.total_ms);
    fputs("<g id=\"grid\" stroke=\"#d8dee4\" stroke-width=\"1\">\n", f);
    for (uint64_t mnt = 0; (double)mnt * 60000.0 <= sc.total_ms; mnt += step)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                xt(&sc, mnt * 60000), TOP - 6, xt(&sc, mnt * 60000), lanes_bottom + 6);
    fputs("</g>\n", f);

    /* Lanes. */
    fputs("<g id=\"lanes\">\n", f);
    for (size_t k = 0; k < m->n; k++) {
        double y = TOP + (double)k * (LANE_H + LANE_GAP);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f6f8fa\" "
                   "fill-opacity=\"0.6\" stroke=\"#d0d7de\"/>\n",
                sc.x0, y, sc.x1 - sc.x0, LANE_H);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#d0d7de\" "
                   "stroke-dasharray=\"2 3\"/>\n",
                sc.x0, yw(y, 5000), sc.x1, yw(y, 5000));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" " FONT " font-size=\"9\" fill=\"" C_MUTED
                   "\">100%%</text><text x=\"%.1f\" y=\"%.1f\" " FONT
                   " font-size=\"9\" fill=\"" C_MUTED "\">50%%</text><text x=\"%.1f\" y=\"%.1f\" " FONT
                   " font-size=\"9\" fill=\"" C_MUTED "\">0%%</text>\n",
                sc.x1 + 4, yw(y, 10000) + 3, sc.x1 + 4, yw(y, 5000) + 3, sc.x1 + 4,
                yw(y, 0) + 3);
        lane(f, st, m, m->order[k], &sc, y, end_ms);
    }
    fputs("</g>\n", f);

    /* Time axis. */
    double ay = lanes_bottom + 10;
    fprintf(f, "<g id=\"axis\" " FONT " font-size=\"11\" fill=\"" C_MUTED "\">\n");
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_MUTED "\"/>\n",
            sc.x0, ay, sc.x1, ay);
    for (uint64_t mnt = 0; (double)mnt * 60000.0 <= sc.total_ms; mnt += step) {
        char label[32];
        double x = xt(&sc, mnt * 60000);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_MUTED
                   "\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                x, ay, x, ay + 5, x, ay + 18, minutes_label(label, sizeof label, mnt, step));
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">simulated time "
               "(minutes since the rollout started)</text>\n",
            (sc.x0 + sc.x1) / 2, ay + 38);
    fputs("</g>\n", f);

    /* The moments the convoy turned back, over everything. */
    for (size_t k = 0; k < m->n_turns; k++) {
        const sim_turn *t = &m->turns[k];
        double x = xt(&sc, t->t);
        int right = x > (sc.x0 + sc.x1) / 2;
        double tx = right ? x - 6 : x + 6;
        double ty = TOP - 28 - 32.0 * (double)(m->n_turns - 1 - k);
        char when[32];
        fprintf(f, "<g class=\"rollback\">\n<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                   "y2=\"%.1f\" stroke=\"" C_ROLLBACK "\" stroke-width=\"2\" "
                   "stroke-dasharray=\"6 4\"/>\n",
                x, ty - 12, x, lanes_bottom + 6);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" " FONT
                   " font-size=\"12\" font-weight=\"bold\" fill=\"" C_ROLLBACK "\">",
                tx, ty, right ? "end" : "start");
        esc(f, t->kind);
        fprintf(f, " at %s", sim_clock(when, sizeof when, t->t));
        if (t->service) {
            fputs(": ", f);
            esc(f, t->service);
            fputs(" failed", f);
            if (t->gate_name) {
                fputc(' ', f);
                esc(f, t->gate_name);
            }
            if (t->metric) {
                fputs(", ", f);
                esc(f, t->metric);
                if (isfinite(t->value))
                    fprintf(f, " = %g", t->value);
            }
        }
        fputs("</text>\n", f);
        if (t->order || t->rationale) {
            const convoy_service *svc =
                t->service ? convoy_plan_service_by_name(plan, t->service) : NULL;
            const char *owner = svc ? convoy_service_owner(svc) : NULL;
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" " FONT
                       " font-size=\"11\" fill=\"" C_ROLLBACK "\">",
                    tx, ty + 14, right ? "end" : "start");
            if (t->rationale) {
                fputs("<title>", f);
                esc(f, t->rationale);
                fputs("</title>", f);
            }
            if (t->order) {
                fputs("rolls back ", f);
                esc(f, t->order);
                fputs(", in this order", f);
            }
            if (owner) {
                fputs(t->order ? " \xC2\xB7 owner " : "owner ", f);
                esc(f, owner);
            }
            fputs("</text>\n", f);
        }
        fputs("</g>\n", f);
    }

    fputs("</svg>\n", f);
    if (ferror(f)) {
        if (!errno)
            errno = EIO;
        return -1;
    }
    return 0;
}
