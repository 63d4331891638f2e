/* help.c - usage and help texts of the convoy program. */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

static const char main_synopsis[] = "usage: convoy COMMAND [OPTIONS] [ARGS]\n"
                                    "       convoy --version\n";

static const char main_help[] =
    "Convoy plans coordinated, dependency-aware progressive rollouts.\n"
    "\n"
    "Commands:\n"
    "  validate PLAN...  check plans and report every problem\n"
    "  plan PLAN         show a plan: waves, steps, owners and time estimates\n"
    "  judge             judge a canary metric: experiment vs control samples\n"
    "  score FILE        score classified metrics by group (Kayenta)\n"
    "  criteria CRITERION --value V\n"
    "                    check a value against a Keptn criterion\n"
    "  weights PLAN      show each service's traffic split at every step\n"
    "  route PLAN --service S (--weight W | --step N) [REQUEST]\n"
    "                    which variant serves a request (or --bulk FILE of them)\n"
    "  render PLAN --service S (--weight W | --step N) --format F\n"
    "                    proxy configuration (HAProxy, Envoy, Istio, nginx,\n"
    "                    Gateway API) for a traffic split\n"
    "  simulate PLAN [--scenario FILE]\n"
    "                    run the whole rollout against a simulated world and\n"
    "                    show what Convoy decides (exit 0 promoted, 2 rolled\n"
    "                    back, 3 held or aborted)\n"
    "  help [COMMAND]    show this help, or a command's\n"
    "\n"
    "Options:\n"
    "  --version         print the library version\n"
    "  -h, --help        show this help\n"
    "\n"
    "PLAN is a plan file (JSON), or - for standard input.\n"
    "Exit status: 0 on success, 1 for an invalid plan, an error or a bad command line\n"
    "(criteria: 0 pass, 1 fail, 2 error; see 'convoy help criteria'; simulate: see\n"
    "'convoy help simulate').\n";

static const char validate_synopsis[] =
    "usage: convoy validate [--json] [--no-policies] PLAN...\n";

static const char validate_help[] =
    "Parse and validate each PLAN and report every problem, one per line:\n"
    "\n"
    "  FILE:LINE:COL: POINTER: message [code]\n"
    "\n"
    "POINTER is the JSON Pointer of the offending value, (root) for the whole\n"
    "document; code is the problem's stable name (unknown-key, cycle, ...).\n"
    "A valid plan prints \"FILE: valid\".\n"
    "\n"
    "Options:\n"
    "  --json         print one JSON object per line instead:\n"
    "                 {\"valid\": BOOL, \"errors\": [{\"code\", \"message\", \"pointer\",\n"
    "                 \"line\", \"column\"}]}, with a \"file\" key when several PLANs\n"
    "                 are given, and an \"error\" key when a PLAN cannot be read\n"
    "  --no-policies  skip the checks of the plan's \"policies\" block\n"
    "  -h, --help     show this help\n"
    "\n"
    "Exit status: 0 when every PLAN is valid, 1 otherwise or when one cannot be read.\n";

static const char plan_synopsis[] = "usage: convoy plan [--json] [--no-policies] PLAN\n";

static const char plan_help[] =
    "Show what a plan will do: its dependency waves, and for every service the\n"
    "owner, dependencies, step table and estimated times to promote and to roll\n"
    "back, with its start and finish in the whole convoy's schedule; then the\n"
    "estimate for the whole convoy. Approvals cannot be timed (\"+ approvals\");\n"
    "analyses without a count run until stopped (\"+ unbounded background\n"
    "analysis\"). An invalid plan prints its problems as 'convoy validate' does.\n"
    "\n"
    "Options:\n"
    "  --json         print one JSON object (name, max_parallel, waves, services\n"
    "                 with steps and estimates, and the convoy's estimate)\n"
    "  --no-policies  skip the checks of the plan's \"policies\" block\n"
    "  -h, --help     show this help\n"
    "\n"
    "Exit status: 0 on success, 1 for an invalid plan or an error.\n";

static const char judge_synopsis[] =
    "usage: convoy judge --control FILE --experiment FILE [--json]\n"
    "                    [--direction either|increase|decrease] [--confidence C]\n"
    "                    [--tolerance T] [--effect mean-ratio|cles]\n"
    "                    [--allowed-increase X] [--allowed-decrease X]\n"
    "                    [--critical] [--critical-increase X] [--critical-decrease X]\n"
    "                    [--must-have-data] [--nan remove|replace] [--outliers keep|remove]\n";

static const char judge_help[] =
    "Classify one canary metric, the experiment (candidate) samples against the\n"
    "control (baseline) samples, as Kayenta's Mann-Whitney judge does: the\n"
    "confidence interval and estimate of the shift experiment - control decide\n"
    "Pass, High or Low; an empty sample gives Nodata (NodataFail with\n"
    "--must-have-data), samples that cannot be judged give Error.\n"
    "\n"
    "Each FILE (or - for standard input, for one of them) holds one number per\n"
    "line; NaN, inf and -inf are allowed, blank lines are ignored, anything else\n"
    "is an error reported as FILE:LINE.\n"
    "\n"
    "Options (defaults are the library's):\n"
    "  --control FILE          baseline samples (required)\n"
    "  --experiment FILE       candidate samples (required)\n"
    "  --direction D           which change is a problem: either (default),\n"
    "                          increase or decrease\n"
    "  --confidence C          of the interval, in (0, 1); default 0.95\n"
    "  --tolerance T           shifts within T x |estimate| pass; default 0.25\n"
    "  --effect E              effect size: mean-ratio (default) or cles\n"
    "  --allowed-increase X    High only when the effect size is at least X\n"
    "                          (default 1.0 for mean-ratio, 0.5 for cles)\n"
    "  --allowed-decrease X    Low only when the effect size is at most X\n"
    "  --critical              a critical metric: flag it when beyond the\n"
    "  --critical-increase X   critical limits of the effect size\n"
    "  --critical-decrease X\n"
    "  --must-have-data        an empty sample is NodataFail, not Nodata\n"
    "  --nan S                 remove NaN samples (default) or replace them by 0\n"
    "  --outliers O            keep (default) or remove IQR outliers\n"
    "  --json                  print one JSON object: classification, critical,\n"
    "                          ci_lower, ci_upper, estimate, effect_size, u,\n"
    "                          p_value (numbers, or null where undefined)\n"
    "  -h, --help              show this help\n"
    "\n"
    "Exit status: 0 when the metric was judged, whatever its classification;\n"
    "1 for a bad command line or an unreadable or malformed FILE.\n";

static const char score_synopsis[] = "usage: convoy score [--json] FILE\n";

static const char score_help[] =
    "Score classified metrics by group, as Kayenta does: per group 100 x Pass /\n"
    "(Pass + High + Low + NodataFail), combined by the group weights (groups\n"
    "without a weight share what is left equally); any critical metric that is\n"
    "not Pass, or Nodata in at least half of the metrics, scores 0. The label\n"
    "is Pass at or above \"pass\", Marginal at or above \"marginal\", else Fail.\n"
    "\n"
    "FILE (or - for standard input) is JSON:\n"
    "\n"
    "  {\"pass\": 95, \"marginal\": 75, \"group_weights\": {\"latency\": 60},\n"
    "   \"metrics\": [{\"name\": \"p99\", \"groups\": [\"latency\"],\n"
    "                \"classification\": \"Pass\", \"critical\": false}]}\n"
    "\n"
    "\"pass\", \"marginal\" and \"metrics\" are required, \"group_weights\", a metric's\n"
    "\"groups\" and \"critical\" are optional; classification is one of Pass, High,\n"
    "Low, Nodata, NodataFail, Error. Other keys are errors.\n"
    "\n"
    "Options:\n"
    "  --json      print {\"score\": N, \"label\": \"Pass|Marginal|Fail\"}\n"
    "  -h, --help  show this help\n"
    "\n"
    "Without --json, a table of the groups and the score.\n"
    "Exit status: 0 when scored, whatever the label; 1 for a bad command line or\n"
    "a FILE that cannot be read or is not as above.\n";

static const char criteria_synopsis[] =
    "usage: convoy criteria CRITERION --value V [--history V1,V2,...]\n"
    "                       [--aggregate avg|p50|p90|p95]\n";

static const char criteria_help[] =
    "Check a value against a Keptn criterion and print \"pass\" or \"fail\".\n"
    "\n"
    "CRITERION is an operator (<=, <, =, >=, >) and a value, spaces ignored:\n"
    "\"<0.01\", \">=99.5\". A value with % or a leading sign is relative to the\n"
    "aggregate A of earlier results: \"<=+10%\" is <= A x 1.1, \"<=-5%\" is\n"
    "<= A x 0.95, \"<=+2\" is <= A + 2. Without earlier results a relative\n"
    "criterion passes. A NaN value passes no criterion.\n"
    "\n"
    "Options:\n"
    "  --value V          the value to check (required; NaN allowed)\n"
    "  --history LIST     earlier results, comma-separated, oldest first\n"
    "  --aggregate KIND   how to aggregate them: avg (default), p50, p90, p95\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 pass, 1 fail, 2 for a malformed criterion (reported with\n"
    "its column) or a bad command line.\n";

static const char weights_synopsis[] =
    "usage: convoy weights [--service S] [--json] [--no-policies] PLAN\n";

static const char weights_help[] =
    "Show the traffic split of every service (or only S) during each of its\n"
    "steps: the baseline and candidate weights, and the mirror share (a copy of\n"
    "baseline traffic sent to the candidate) where it is not zero. Steps are\n"
    "numbered from 0, as 'convoy plan' numbers them; during a step the\n"
    "candidate weight is that of the latest set_weight at or before it (0\n"
    "before the first). Flagger's step_weight / step_weights shorthand gives\n"
    "the same steps as the explicit set_weight list it stands for. Services\n"
    "of one cohort have the same schedule. Before the first step everything\n"
    "goes to the baseline; after the last (promoted), to the candidate.\n"
    "\n"
    "Options:\n"
    "  --service S    only service S\n"
    "  --json         print {\"services\": {\"S\": [{\"step\": 0, \"baseline\": BP,\n"
    "                 \"candidate\": BP, \"mirror\": BP}, ...]}}, services in plan\n"
    "                 order, weights in basis points (10000 = 100%), \"mirror\"\n"
    "                 only when it is not zero\n"
    "  --no-policies  skip the checks of the plan's \"policies\" block\n"
    "  -h, --help     show this help\n"
    "\n"
    "Example:\n"
    "  convoy weights examples/plans/shop.json --service checkout\n"
    "\n"
    "Exit status: 0 on success, 1 for an invalid plan, an unknown service or a\n"
    "bad command line.\n";

static const char route_synopsis[] =
    "usage: convoy route PLAN --service S (--weight W | --step N) [--key K]\n"
    "                    [--header NAME=VALUE]... [--cookie NAME=VALUE]...\n"
    "                    [--attr NAME=VALUE]... [--request-id ID] [--json]\n"
    "       convoy route PLAN --service S (--weight W | --step N) --bulk FILE\n";

static const char route_help[] =
    "Route one request for service S, as a router built from PLAN decides it:\n"
    "S's rules first (first match wins), else S's sticky bucket against the\n"
    "candidate weight. S and the services of its cohort get the weights chosen\n"
    "by --weight or --step; other services send everything to their baseline.\n"
    "\n"
    "The bucket (1-10000) of a key is Convoy's Unleash-compatible sticky\n"
    "bucket of \"GROUP:KEY\", GROUP being S's cohort or S's name; a request goes\n"
    "to the candidate when bucket <= the candidate weight in basis points. The\n"
    "key is --key, else the plan's sticky header, cookie or attribute, else\n"
    "--request-id, else the empty key.\n"
    "\n"
    "Options:\n"
    "  --service S            the service to route for (required)\n"
    "  --weight W             the candidate weight: a percentage with at most\n"
    "                         two decimals (12.5, 0.25, 100); no mirroring\n"
    "  --step N               the weights (and mirror share) in effect during\n"
    "                         step N of S, numbered from 0 as 'convoy plan' and\n"
    "                         'convoy weights' show them\n"
    "  --key K                the sticky key itself\n"
    "  --header NAME=VALUE    a request header (names are case-insensitive)\n"
    "  --cookie NAME=VALUE    a cookie (else Cookie headers are searched)\n"
    "  --attr NAME=VALUE      an attribute the host knows (segment, region...)\n"
    "                         NAME=VALUE is split at the first '='; these three\n"
    "                         may be repeated\n"
    "  --request-id ID        the key when the request has no sticky key\n"
    "  --json                 print {\"variant\": \"baseline\"|\"candidate\",\n"
    "                         \"rule\": NAME|null, \"bucket\": N, \"key_source\":\n"
    "                         \"sticky\"|\"request_id\"|\"none\"}, with \"mirror\": true\n"
    "                         when the request is also mirrored to the candidate\n"
    "                         and \"regex_limit\": true when a rule's regex hit\n"
    "                         its match limit (that condition did not match)\n"
    "  --bulk FILE            route every request in FILE (- for standard input)\n"
    "  --no-policies          skip the checks of the plan's \"policies\" block\n"
    "  -h, --help             show this help\n"
    "\n"
    "With --bulk, each non-blank line of FILE is one request, a JSON object\n"
    "whose keys are all optional and whose values are strings:\n"
    "\n"
    "  {\"key\": \"u42\", \"headers\": {\"x-canary\": \"always\"}, \"cookies\": {},\n"
    "   \"attrs\": {\"region\": \"eu\"}, \"request_id\": \"r-1\"}\n"
    "\n"
    "and each gives one line of output, the --json result above; a line that is\n"
    "not such an object gives {\"line\": N, \"error\": MESSAGE} instead, the other\n"
    "lines are still routed, and the exit status is 1.\n"
    "\n"
    "Examples:\n"
    "  convoy route examples/plans/shop.json --service frontend --weight 10 \\\n"
    "      --cookie shop_session=u42 --json\n"
    "  convoy route examples/plans/shop.json --service frontend --step 0 \\\n"
    "      --header x-canary=always\n"
    "  convoy route examples/plans/shop.json --service frontend --weight 30 \\\n"
    "      --bulk requests.jsonl\n"
    "\n"
    "Exit status: 0 on success, 1 for an invalid plan, an unknown service, a\n"
    "step out of range, a bad request line or a bad command line.\n";

static const char render_synopsis[] =
    "usage: convoy render PLAN --service S (--step N | --weight W)\n"
    "                     --format haproxy|envoy|istio|nginx|gateway-api\n"
    "                     [--name N] [--host H] [--namespace NS] [--gateway G]\n"
    "                     [--baseline-target T] [--candidate-target T] [--port P]\n"
    "                     [--skip-unsupported]\n";

static const char render_help[] =
    "Print the proxy configuration that sends the chosen share of S's traffic\n"
    "to its candidate, with S's routing rules in front (first match first):\n"
    "\n"
    "  haproxy      runtime API commands, one per line:\n"
    "               set weight BACKEND/SERVER 0-256\n"
    "  envoy        route configuration JSON with weighted_clusters\n"
    "  istio        networking.istio.io/v1beta1 VirtualService JSON\n"
    "  nginx        split_clients + map snippet for the http context\n"
    "  gateway-api  gateway.networking.k8s.io/v1 HTTPRoute JSON\n"
    "\n"
    "Proxies split by their own hashing: Convoy's sticky buckets are not\n"
    "reproduced (use 'convoy route' for those).\n"
    "\n"
    "Options:\n"
    "  --service S             the service (required)\n"
    "  --step N                the weights (and mirror share, where the format\n"
    "                          can mirror) during step N of S, numbered from 0\n"
    "                          as 'convoy plan' shows them\n"
    "  --weight W              the candidate weight, a percentage with at most\n"
    "                          two decimals; no mirroring\n"
    "  --format F              one of the formats above (required)\n"
    "  --name N                backend / route / VirtualService name [S]\n"
    "  --host H                the host matched [S]\n"
    "  --namespace NS          Kubernetes namespace [none]\n"
    "  --gateway G             Gateway API parentRef [none]\n"
    "  --baseline-target T     baseline server, subset, cluster or backend\n"
    "  --candidate-target T    [haproxy, istio: baseline / candidate;\n"
    "                          others: S-baseline / S-candidate]\n"
    "  --port P                backend port (Istio, Gateway API) [none]\n"
    "  --skip-unsupported      leave out rules the format cannot express\n"
    "                          instead of failing\n"
    "  --no-policies           skip the checks of the plan's \"policies\" block\n"
    "  -h, --help              show this help\n"
    "\n"
    "Examples:\n"
    "  convoy render examples/plans/shop.json --service checkout --step 1 \\\n"
    "      --format haproxy\n"
    "  convoy render examples/plans/shop.json --service frontend --weight 30 \\\n"
    "      --format istio --namespace shop --port 8080\n"
    "\n"
    "Exit status: 0 on success, 1 for an invalid plan, an unknown service, a\n"
    "rule the format cannot express, or a bad command line.\n";

static const char simulate_synopsis[] =
    "usage: convoy simulate PLAN [--scenario FILE] [--log FILE] [--state FILE]\n"
    "                       [--resume] [--history FILE] [--svg FILE] [--json]\n";

static const char simulate_help[] =
    "Run the whole rollout of PLAN with Convoy's engine against the library's\n"
    "simulated backend, on a simulated clock that starts at 0 and jumps to the\n"
    "next moment something is due: hours of rollout take a fraction of a second.\n"
    "Services start in dependency waves, every step, gate and decision runs as\n"
    "it would in production, and a failing gate rolls back the convoy in reverse\n"
    "dependency order.\n"
    "\n"
    "Without a scenario every metric is healthy and every action succeeds. A\n"
    "scenario (JSON) changes the world: metric values over time (seconds of the\n"
    "simulated clock, piecewise constant; null is no data) per service and\n"
    "variant, actions that fail (the first N attempts, or always) and actions\n"
    "that never answer:\n"
    "\n"
    "  {\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\":\n"
    "      [[0, 0.001], [3000, 0.08]]}}},\n"
    "   \"actions\": {\"fail\": [{\"service\": \"inventory\", \"action\": \"deploy\",\n"
    "                        \"times\": 2}],\n"
    "               \"pending\": [{\"service\": \"payments\", \"action\": \"approval\"}]}}\n"
    "\n"
    "Progress: on a terminal, a table redrawn in place (each service's state,\n"
    "step, candidate weight and last gate verdict; NO_COLOR turns colours off);\n"
    "otherwise one line per decision and event: \"+MM:SS  SERVICE  what\n"
    "happened\". Then the outcome: every service's end state, the rollback\n"
    "order, the simulated time and the number of decisions.\n"
    "\n"
    "Options:\n"
    "  --scenario FILE  the simulated world (- for standard input); default:\n"
    "                   everything healthy\n"
    "  --log FILE       write the decision log (JSON Lines: every decision,\n"
    "                   action and event) to FILE\n"
    "  --state FILE     save the rollout's state to FILE (atomically) after\n"
    "                   every tick that changes it; without --resume an\n"
    "                   existing FILE is removed and the --log FILE emptied:\n"
    "                   a fresh start\n"
    "  --resume         continue the rollout saved in the --state FILE (an\n"
    "                   error when there is none), e.g. after a crash; the\n"
    "                   --log FILE is cut back to what that state counts, so\n"
    "                   the resumed run's log and report are those an\n"
    "                   uninterrupted run would have written\n"
    "  --history FILE   the release history (JSON Lines) that relative\n"
    "                   criteria such as \"<=+10%\" compare with: the metric\n"
    "                   means of earlier promoted releases of each service\n"
    "                   (plans of another name) are read from FILE, and every\n"
    "                   service that finishes appends its record (release,\n"
    "                   service, version, outcome, metric means). Created when\n"
    "                   missing, never emptied; lines that are not records\n"
    "                   (torn by a crash) are skipped. Give the same FILE with\n"
    "                   --resume: records the saved state knows of are not\n"
    "                   written again (one written just before a crash may be,\n"
    "                   identical; the last record per release and service\n"
    "                   counts). Without it, or before a first promoted\n"
    "                   release, a relative criterion has nothing to compare\n"
    "                   with and passes (as in Keptn)\n"
    "  --svg FILE       draw the run as an SVG timeline: one lane per service\n"
    "                   in wave order with its candidate weight over time,\n"
    "                   gate verdicts and state, and the rollback moment\n"
    "  --json           print only the final report, on standard output, no\n"
    "                   progress:\n"
    "                   {\"outcome\": \"promoted\"|\"rolled_back\"|\"held\"|\"aborted\",\n"
    "                    \"services\": {\"S\": {\"state\": \"promoted\"|\"rolled_back\"|\n"
    "                    \"untouched\"|\"held\", \"weight\": BP}}, \"rollback_order\":\n"
    "                    [S...], \"decisions\": N, \"simulated_seconds\": N}\n"
    "                   (weights in basis points, 10000 = 100%)\n"
    "  --no-policies    skip the checks of the plan's \"policies\" block\n"
    "  -h, --help       show this help\n"
    "\n"
    "The run stops when every service is promoted, the rollback is done, the\n"
    "rollout is aborted, or nothing more can happen: a held service waits for\n"
    "an operator, or an answer never comes (outcome \"held\").\n"
    "\n"
    "Testing aid: with CONVOY_SIMULATE_KILL_AFTER=N in the environment the\n"
    "process kills itself with SIGKILL right after the N-th backend callback\n"
    "returns (every call counts: actions, metric queries and decision-log\n"
    "notifications), to test crash and --resume.\n"
    "\n"
    "Examples:\n"
    "  convoy simulate examples/plans/shop.json\n"
    "  convoy simulate examples/plans/shop.json \\\n"
    "      --scenario examples/scenarios/payments-degrades.json --svg shop.svg\n"
    "  convoy simulate shop.json --state run.state --log run.jsonl   # killed...\n"
    "  convoy simulate shop.json --state run.state --log run.jsonl --resume\n"
    "  convoy simulate release-41.json --history releases.jsonl\n"
    "  convoy simulate release-42.json --history releases.jsonl   # vs 41\n"
    "\n"
    "Exit status: 0 when every service was promoted, 2 when the rollout was\n"
    "rolled back, 3 when it was held or aborted, 1 for an invalid plan or\n"
    "scenario (reported with its JSON Pointer), a state that cannot be resumed,\n"
    "a history that cannot be read or appended to, an I/O error or a bad\n"
    "command line.\n";

static const char help_synopsis[] = "usage: convoy help [COMMAND]\n";

static const char help_help[] = "Show the help of convoy, or of COMMAND.\n";

static const struct {
    const char *name, *synopsis, *help;
} commands[] = {
    {"validate", validate_synopsis, validate_help},
    {"plan", plan_synopsis, plan_help},
    {"judge", judge_synopsis, judge_help},
    {"score", score_synopsis, score_help},
    {"criteria", criteria_synopsis, criteria_help},
    {"weights", weights_synopsis, weights_help},
    {"route", route_synopsis, route_help},
    {"render", render_synopsis, render_help},
    {"simulate", simulate_synopsis, simulate_help},
    {"help", help_synopsis, help_help},
};

static int find(const char *command)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, command) == 0)
            return (int)i;
    return -1;
}

int help_print(FILE *f, const char *command)
{
    if (!command) {
        fputs(main_synopsis, f);
        fputc('\n', f);
        fputs(main_help, f);
        return 0;
    }
    int i = find(command);
    if (i < 0)
        return -1;
    fputs(commands[i].synopsis, f);
    fputc('\n', f);
    fputs(commands[i].help, f);
    return 0;
}

int usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    int i = command ? find(command) : -1;

    fputs("convoy: ", stderr);
    if (i >= 0)
        fprintf(stderr, "%s: ", command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fputs(i >= 0 ? commands[i].synopsis : main_synopsis, stderr);
    if (i >= 0)
        fprintf(stderr, "Try 'convoy help %s' for more information.\n", command);
    else
        fputs("Try 'convoy help' for more information.\n", stderr);
    return CLI_USAGE;
}
