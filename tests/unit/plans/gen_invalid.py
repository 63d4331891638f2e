#!/usr/bin/env python3
"""Generates tests/unit/plans/invalid/*.json and expected.tsv.

    python3 tests/unit/plans/gen_invalid.py tests/unit/plans/invalid

Each case starts from a valid base plan and applies exact, unique text
replacements, so every file keeps the rest of the plan valid; line:column
columns are computed from the generated text. Regenerating rewrites every
.json in the folder: add cases here rather than editing the files by hand."""
import json, os, sys

OUT = sys.argv[1]

BASE = r'''{
  "name": "corpus-base",
  "analyses": {
    "error-rate": {
      "metrics": [
        {
          "name": "error-rate",
          "provider": {"prometheus": {"address": "http://prometheus:9090", "query": "sum(rate(errors{service=\"{{service}}\"}[1m]))"}},
          "interval": "1m",
          "count": 3,
          "success": "<0.01"
        }
      ]
    }
  },
  "services": [
    {
      "name": "api",
      "owner": "team-api",
      "depends_on": ["db"],
      "steps": [
        {"set_weight": 20},
        {"pause": "1m"},
        {"analysis": "error-rate"},
        {"set_weight": 50}
      ]
    },
    {
      "name": "db",
      "owner": "team-db",
      "steps": [
        {"set_weight": 10},
        {"analysis": "error-rate"}
      ]
    }
  ]
}
'''

# Snippets reused by several cases.
DB_SERVICE = r'''    {
      "name": "db",
      "owner": "team-db",
      "steps": [
        {"set_weight": 10},
        {"analysis": "error-rate"}
      ]
    }'''
API_STEPS = r'''      "steps": [
        {"set_weight": 20},
        {"pause": "1m"},
        {"analysis": "error-rate"},
        {"set_weight": 50}
      ]'''
END_SERVICES = '''    }
  ]
}
'''
METRIC_SUCCESS = '"success": "<0.01"'
API_TRAFFIC = r'''      "traffic": {
        "sticky": {"header": "x-user-id"},
        "rules": [
          {"name": "canary", "match": [{"header": "x-canary", "exact": "always"}], "variant": "candidate"},
          {"name": "beta", "match": [{"attribute": "flag", "exact": "beta"}, {"header": "user-agent", "regex": "Mozilla/.*"}], "weight": 50}
        ]
      },
'''
WEBHOOK_STEP = r'''        {"webhook": {"name": "load-test", "url": "http://loadtester.test/", "type": "pre-rollout", "timeout": "30s", "headers": {"X-Run": "smoke"}}},
'''
JUDGE = r''',
    "judge-a": {
      "judge": {"pass": 90, "marginal": 70, "groups": {"latency": 100}, "confidence": 0.9},
      "metrics": [
        {
          "name": "p99",
          "provider": {"prometheus": {"query": "histogram_quantile(0.99, rate(latency_bucket{service=\"{{service}}\"}[1m]))"}},
          "groups": ["latency"],
          "direction": "increase"
        }
      ]
    }'''


def rep(text, old, new, count=1):
    n = text.count(old)
    if n != count:
        raise SystemExit(f"replacement target found {n} times, wanted {count}: {old!r}")
    return text.replace(old, new)


def with_api_traffic(t):
    return rep(t, '      "depends_on": ["db"],\n', '      "depends_on": ["db"],\n' + API_TRAFFIC)


def with_webhook(t):
    return rep(t, '        {"set_weight": 20},\n        {"pause": "1m"}', WEBHOOK_STEP.rstrip('\n') + '\n        {"set_weight": 20},\n        {"pause": "1m"}')


def with_judge(t):
    return rep(t, '''      ]
    }
  },
  "services"''', '''      ]
    }''' + JUDGE + '''
  },
  "services"''')


def with_top(t, member):
    """Adds a top-level member after the services array."""
    return rep(t, END_SERVICES, '    }\n  ],\n' + member + '\n}\n')


def add_services(t, extra):
    return rep(t, END_SERVICES, '    },\n' + extra + '\n  ]\n}\n')


def cohort_svc(name, weight, sticky='{"header": "x-user-id"}', deps=None):
    d = f'      "depends_on": ["{deps}"],\n' if deps else ''
    return (f'    {{\n      "name": "{name}",\n      "owner": "team-shop",\n{d}'
            f'      "traffic": {{"sticky": {sticky}, "cohort": "shopping"}},\n'
            f'      "steps": [\n        {{"set_weight": {weight}}},\n        {{"analysis": "error-rate"}}\n      ]\n    }}')


def pos(text, needle, nth=0, offset=0):
    """1-based line:column (in bytes) of the nth occurrence of needle + offset."""
    if isinstance(text, bytes):
        text = text.decode('latin-1')
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    i += offset
    line = text.count('\n', 0, i) + 1
    col = i - (text.rfind('\n', 0, i) + 1) + 1
    return f"{line}:{col}"


cases = []  # (file, content(str|bytes), [(code, pointer, linecol or None)], json_valid)


def case(name, content, rows, valid_json=True):
    cases.append((name, content, rows, valid_json))


B = BASE

# ---------------------------------------------------------------- syntax
t = rep(B, '        {"set_weight": 50}\n      ]', '        {"set_weight": 50},\n      ]')
case('trailing-comma', t, [('syntax', '', pos(t, '{"set_weight": 50},\n      ]', offset=len('{"set_weight": 50},\n      ')))], False)

t = B[:B.index('"owner": "team-db"') + len('"owner": "team-d')]
case('unterminated-string', t, [('syntax', '', None)], False)

t = rep(B, '"owner": "team-api"', '"owner": "team-api\n"')
case('newline-in-string', t, [('syntax', '', None)], False)

t = rep(B, '"owner": "team-api"', '"owner": "team\\qapi"')
case('bad-escape', t, [('syntax', '', None)], False)

t = rep(B, '"owner": "team-api"', '"owner": "team-caf\xe9"').encode('latin-1')
case('invalid-utf8', t, [('syntax', '', None)], False)

t = rep(B, '"owner": "team-api"', '"owner": "team-\xc0\xafapi"').encode('latin-1')
case('invalid-utf8-overlong', t, [('syntax', '', None)], False)

t = rep(B, '"owner": "team-api"', '"owner": "team\\u0000api"')
case('nul-escape', t, [('syntax', '', None)], False)

deep = '{"level": ' * 90 + '1' + '}' * 90
t = rep(B, '"provider": {"prometheus": {"address": "http://prometheus:9090", "query": "sum(rate(errors{service=\\"{{service}}\\"}[1m]))"}}',
        '"provider": {"acme-metrics": {"query": "errors", "options": ' + deep + '}}')
case('depth-over-64', t, [('limit', '', None)], True)

t = rep(B, '"owner": "team-api",\n      "depends_on"', '"owner": "team-api"\n      "depends_on"')
case('missing-comma', t, [('syntax', '', pos(t, '"owner": "team-api"\n      "depends_on"', offset=len('"owner": "team-api"\n      ')))], False)

t = B.rstrip('\n') + '\n]\n'
case('trailing-garbage', t, [('syntax', '', pos(t, '}\n]', offset=2))], False)

case('empty-document', '', [('syntax', '', None)], False)

t = rep(B, '"owner": "team-api"', "'owner': 'team-api'")
case('single-quotes', t, [('syntax', '', pos(t, "'owner'"))], False)

t = rep(B, '  "services": [\n', '  // the services\n  "services": [\n')
case('comment', t, [('syntax', '', pos(t, '// the services'))], False)

t = rep(B, '"count": 3', '"count": 03')
case('leading-zero', t, [('syntax', '', None)], False)

t = rep(B, '"count": 3', '"count": NaN')
case('nan-literal', t, [('syntax', '', pos(t, 'NaN'))], False)

# ---------------------------------------------------------------- structure / types
t = '[\n' + B.rstrip('\n') + '\n]\n'
case('top-level-array', t, [('type', '', '1:1')])

t = rep(B, '  "name": "corpus-base",\n', '  "name": "corpus-base",\n  "max_paralel": 2,\n')
case('unknown-key-top', t, [('unknown-key', '/max_paralel', pos(t, '"max_paralel"'))])

t = rep(B, '      "depends_on": ["db"],\n      "steps": [', '      "depends_on": ["db"],\n      "stepz": [')
case('unknown-key-service', t, [('unknown-key', '/services/0/stepz', pos(t, '"stepz"'))])

t = rep(B, '        {"set_weight": 20},', '        {"set_wieght": 20},')
case('unknown-key-step', t, [('unknown-key', '/services/0/steps/0/set_wieght', pos(t, '"set_wieght"'))])

t = rep(B, '"interval": "1m",', '"intervall": "1m",')
case('unknown-key-metric', t, [('unknown-key', '/analyses/error-rate/metrics/0/intervall', pos(t, '"intervall"'))])

t = with_api_traffic(B)
t = rep(t, '"weight": 50}', '"weight": 50, "varaint": "candidate"}')
case('unknown-key-traffic-rule', t, [('unknown-key', '/services/0/traffic/rules/1/varaint', pos(t, '"varaint"'))])

t = with_top(B, '  "rollback": {"mode": "automatic", "scop": "all"}')
case('unknown-key-rollback', t, [('unknown-key', '/rollback/scop', pos(t, '"scop"'))])

t = with_webhook(B)
t = rep(t, '"timeout": "30s"', '"timout": "30s"')
case('unknown-key-webhook', t, [('unknown-key', '/services/0/steps/0/webhook/timout', pos(t, '"timout"'))])

t = rep(B, '"owner": "team-api"', '"owner": 42')
case('type-owner-number', t, [('type', '/services/0/owner', pos(t, '42'))])

t = rep(B, '{"set_weight": 20}', '{"set_weight": "20"}')
case('type-weight-string', t, [('type', '/services/0/steps/0/set_weight', pos(t, '"20"'))])

t = rep(B, '"count": 3', '"count": "3"')
case('type-count-string', t, [('type', '/analyses/error-rate/metrics/0/count', pos(t, '"3"'))])

t = rep(B, '"depends_on": ["db"]', '"depends_on": "db"')
case('type-depends-on-string', t, [('type', '/services/0/depends_on', pos(t, '"depends_on": "db"', offset=len('"depends_on": ')))])

t = rep(B, '"count": 3,', '"count": 3,\n          "dry_run": "yes",')
case('type-dry-run-string', t, [('type', '/analyses/error-rate/metrics/0/dry_run', pos(t, '"yes"'))])

t = rep(B, '        {"pause": "1m"},\n', '        "pause",\n')
case('type-step-string', t, [('type', '/services/0/steps/1', pos(t, '"pause",'))])

t = with_api_traffic(B)
t = rep(t, '"sticky": {"header": "x-user-id"}', '"sticky": "x-user-id"')
case('type-sticky-string', t, [('type', '/services/0/traffic/sticky', pos(t, '"x-user-id"'))])

# ---------------------------------------------------------------- ranges, precision
t = rep(B, '{"set_weight": 50}', '{"set_weight": 101}')
case('weight-101', t, [('range', '/services/0/steps/3/set_weight', pos(t, '101'))])

t = rep(B, '{"set_weight": 10}', '{"set_weight": -1}')
case('weight-negative', t, [('range', '/services/1/steps/0/set_weight', pos(t, '-1}'))])

t = rep(B, '{"set_weight": 20}', '{"set_weight": 12.345}')
case('weight-precision', t, [('precision', '/services/0/steps/0/set_weight', pos(t, '12.345'))])

t = rep(B, '"count": 3', '"count": 0')
case('count-zero', t, [('range', '/analyses/error-rate/metrics/0/count', pos(t, '"count": 0', offset=9))])

t = rep(B, '"count": 3,', '"count": 3,\n          "failure_limit": -2,')
case('failure-limit-below-minus-one', t, [('range', '/analyses/error-rate/metrics/0/failure_limit', pos(t, '-2'))])

t = rep(B, '  "name": "corpus-base",\n', '  "name": "corpus-base",\n  "max_parallel": -1,\n')
case('max-parallel-negative', t, [('range', '/max_parallel', pos(t, '-1,'))])

t = rep(B, '        {"pause": "1m"},\n', '        {"set_mirror": 150},\n')
case('mirror-150', t, [('range', '/services/0/steps/1/set_mirror', pos(t, '150'))])

t = rep(B, '"depends_on": ["db"]', '"depends_on": [{"service": "db", "step": 5}]')
case('dependency-step-out-of-range', t, [('range', '/services/0/depends_on/0/step', pos(t, '5}]'))])

t = rep(B, DB_SERVICE, '''    {
      "name": "db",
      "owner": "team-db",
      "step_weight": 0
    }''')
case('step-weight-zero', t, [('range', '/services/1/step_weight', pos(t, '"step_weight": 0', offset=15))])

t = with_judge(B)
t = rep(t, '"confidence": 0.9', '"confidence": 1.0')
case('judge-confidence-one', t, [('range', '/analyses/judge-a/judge/confidence', pos(t, '1.0}'))])

# ---------------------------------------------------------------- durations
t = rep(B, '{"pause": "1m"}', '{"pause": "5 minutes"}')
case('duration-words', t, [('duration', '/services/0/steps/1/pause', pos(t, '"5 minutes"'))])

t = rep(B, '"interval": "1m"', '"interval": "10"')
case('duration-no-unit', t, [('duration', '/analyses/error-rate/metrics/0/interval', pos(t, '"10"'))])

t = rep(B, '{"pause": "1m"}', '{"pause": "-5s"}')
case('duration-negative', t, [('duration', '/services/0/steps/1/pause', pos(t, '"-5s"'))])

t = rep(B, '"count": 3,', '"count": 3,\n          "initial_delay": "1h30",')
case('duration-dangling-number', t, [('duration', '/analyses/error-rate/metrics/0/initial_delay', pos(t, '"1h30"'))])

t = rep(B, '{"pause": "1m"}', '{"pause": "366d"}')
case('duration-over-365-days', t, [('duration', '/services/0/steps/1/pause', pos(t, '"366d"'))])

t = rep(B, '{"pause": "1m"}', '{"pause": {"duration": "1.5ms"}}')
case('duration-sub-millisecond', t, [('duration', '/services/0/steps/1/pause/duration', pos(t, '"1.5ms"'))])

# ---------------------------------------------------------------- missing
t = rep(B, '      "name": "api",\n', '')
case('missing-service-name', t, [('missing', '/services/0', None)])

t = rep(B, '  "name": "corpus-base",\n', '')
case('missing-plan-name', t, [('missing', '', None)])

t = rep(B, '          "provider": {"prometheus": {"address": "http://prometheus:9090", "query": "sum(rate(errors{service=\\"{{service}}\\"}[1m]))"}},\n', '')
case('missing-metric-provider', t, [('missing', '/analyses/error-rate/metrics/0', None)])

t = rep(B, ',\n          ' + METRIC_SUCCESS, '')
case('missing-metric-criteria', t, [('missing', '/analyses/error-rate/metrics/0', None)])

t = with_webhook(B)
t = rep(t, '"url": "http://loadtester.test/", ', '')
case('missing-webhook-url', t, [('missing', '/services/0/steps/0/webhook', None)])

t = rep(B, B[B.index('  "services": ['):], '  "description": "no services at all"\n}\n')
t = rep(t, '    }\n  },\n  "description"', '    }\n  },\n  "description"')
case('missing-services', t, [('missing', '', None)])

t = rep(B, DB_SERVICE, '''    {
      "name": "db",
      "owner": "team-db",
      "max_weight": 50
    }''')
case('max-weight-without-ladder', t, [('missing', '/services/1', None)])

# ---------------------------------------------------------------- references
t = rep(B, '{"analysis": "error-rate"},\n        {"set_weight": 50}', '{"analysis": "error-rte"},\n        {"set_weight": 50}')
case('unknown-analysis', t, [('unknown-reference', '/services/0/steps/2/analysis', pos(t, '"error-rte"'))])

t = rep(B, DB_SERVICE, '''    {
      "name": "db",
      "owner": "team-db",
      "steps": {"template": "standrd"}
    }''')
t = rep(t, '  "services": [\n', '''  "templates": {
    "steps": {
      "standard": [
        {"set_weight": 10},
        {"analysis": "error-rate"}
      ]
    }
  },
  "services": [
''')
case('unknown-steps-template', t, [('unknown-reference', '/services/1/steps/template', pos(t, '"standrd"'))])

t = rep(B, '"depends_on": ["db"]', '"depends_on": ["dbb"]')
case('unknown-dependency', t, [('unknown-reference', '/services/0/depends_on/0', pos(t, '"dbb"'))])

t = rep(B, '"depends_on": ["db"]', '"depends_on": ["db", {"service": "cache", "step": 1}]')
case('unknown-dependency-object', t, [('unknown-reference', '/services/0/depends_on/1/service', pos(t, '"cache"'))])

t = rep(B, '''      ]
    }
  },
  "services"''', '''      ]
    },
    "smoke": {"template": "smoke-test"}
  },
  "services"''')
case('unknown-analysis-template', t, [('unknown-reference', '/analyses/smoke/template', pos(t, '"smoke-test"'))])

t = rep(B, DB_SERVICE, '''    {
      "name": "db",
      "owner": "team-db",
      "step_weight": 50,
      "analysis": "latency"
    }''')
case('unknown-shorthand-analysis', t, [('unknown-reference', '/services/1/analysis', pos(t, '"latency"'))])

# ---------------------------------------------------------------- duplicates
t = add_services(B, '''    {
      "name": "cache",
      "owner": "team-cache"
    },
    {
      "name": "cache",
      "owner": "team-cache"
    }''')
case('duplicate-service', t, [('duplicate', '/services/3/name', pos(t, '"cache"', nth=1))])

t = rep(B, '"owner": "team-api",\n', '"owner": "team-api",\n      "owner": "team-web",\n')
case('duplicate-key', t, [('duplicate-key', '/services/0/owner', pos(t, '"owner": "team-web"'))])

t = rep(B, '"depends_on": ["db"]', '"depends_on": ["db", "db"]')
case('duplicate-dependency', t, [('duplicate', '/services/0/depends_on/1', pos(t, '"db"]'))])

# ---------------------------------------------------------------- dependencies
t = rep(B, '      "name": "db",\n      "owner": "team-db",\n', '      "name": "db",\n      "owner": "team-db",\n      "depends_on": ["db"],\n')
case('self-dependency', t, [('self-dependency', '/services/1/depends_on/0', pos(t, '"depends_on": ["db"]', nth=1, offset=15))])

t = rep(B, '      "name": "db",\n      "owner": "team-db",\n', '      "name": "db",\n      "owner": "team-db",\n      "depends_on": ["api"],\n')
case('cycle-2', t, [('cycle', '/services/0/depends_on/0', pos(t, '"depends_on": ["db"]', offset=15))])


def svc(name, deps):
    d = ', '.join(f'"{x}"' for x in deps)
    dep = f'      "depends_on": [{d}],\n' if deps else ''
    return (f'    {{\n      "name": "{name}",\n      "owner": "team-{name}",\n{dep}'
            f'      "steps": [\n        {{"set_weight": 50}},\n        {{"analysis": "error-rate"}}\n      ]\n    }}')


def plan_with(services, head=None):
    h = B[:B.index('  "services": [')]
    if head:
        h = rep(h, '  "name": "corpus-base",\n', '  "name": "corpus-base",\n' + head)
    return h + '  "services": [\n' + ',\n'.join(services) + '\n  ]\n}\n'


t = plan_with([svc('edge', ['web']), svc('web', ['api']), svc('api', ['cache', 'db']), svc('cache', []), svc('db', ['web'])])
case('cycle-3', t, [('cycle', '/services/1/depends_on/0', pos(t, '"depends_on": ["api"]', offset=15))])

# ---------------------------------------------------------------- steps
t = rep(B, '        {"pause": "1m"},\n', '        {},\n')
case('step-empty', t, [('step', '/services/0/steps/1', pos(t, '{},'))])

t = rep(B, '        {"set_weight": 20},\n', '        {"set_weight": 20, "pause": "1m"},\n')
case('step-two-keys', t, [('step', '/services/0/steps/0', pos(t, '{"set_weight": 20, "pause"'))])

# ---------------------------------------------------------------- criteria, regex, enums
t = rep(B, METRIC_SUCCESS, '"success": "<<0.1"')
case('criterion-double-operator', t, [('criterion', '/analyses/error-rate/metrics/0/success', pos(t, '"<<0.1"'))])

t = rep(B, METRIC_SUCCESS, METRIC_SUCCESS + ',\n          "failure": ["~5"]')
case('criterion-tilde', t, [('criterion', '/analyses/error-rate/metrics/0/failure/0', pos(t, '"~5"'))])

t = with_api_traffic(B)
t = rep(t, '"regex": "Mozilla/.*"', '"regex": "(unclosed"')
case('regex-unclosed', t, [('regex', '/services/0/traffic/rules/1/match/1/regex', pos(t, '"(unclosed"'))])

t = with_top(B, '  "policies": {"required_metric": {"pattern": "error(rate", "min_weight": 1}}')
case('regex-policy-pattern', t, [('regex', '/policies/required_metric/pattern', pos(t, '"error(rate"'))])

t = with_top(B, '  "rollback": {"mode": "automatic", "scope": "everything"}')
case('enum-rollback-scope', t, [('enum', '/rollback/scope', pos(t, '"everything"'))])

t = with_webhook(B)
t = rep(t, '"type": "pre-rollout"', '"type": "pre-deploy"')
case('enum-webhook-type', t, [('enum', '/services/0/steps/0/webhook/type', pos(t, '"pre-deploy"'))])

t = with_api_traffic(B)
t = rep(t, '"variant": "candidate"', '"variant": "canary"')
case('enum-rule-variant', t, [('enum', '/services/0/traffic/rules/0/variant', pos(t, '"variant": "canary"', offset=11))])

# ---------------------------------------------------------------- conflicts
t = rep(B, API_STEPS + ',\n', API_STEPS + ',\n      "step_weight": 20,\n') if (API_STEPS + ',\n') in B else \
    rep(B, API_STEPS + '\n    },', API_STEPS + ',\n      "step_weight": 20\n    },')
case('conflict-steps-step-weight', t, [('conflict', '/services/0/step_weight', None)])

t = rep(B, DB_SERVICE, '''    {
      "name": "db",
      "owner": "team-db",
      "step_weight": 10,
      "step_weights": [10, 20, 40]
    }''')
case('conflict-step-weight-step-weights', t, [('conflict', '/services/1/step_weights', None)])

t = with_judge(B)
t = rep(t, '"direction": "increase"', '"direction": "increase",\n          "success": "<0.5"')
case('conflict-judge-criterion', t, [('conflict', '/analyses/judge-a/metrics/0/success', None)])

# ---------------------------------------------------------------- secrets
t = with_webhook(B)
t = rep(t, '"headers": {"X-Run": "smoke"}', '"headers": {"X-Run": "smoke", "Authorization": "Bearer s3cr3t-t0ken"}')
case('secret-webhook-authorization', t, [('secret', '/services/0/steps/0/webhook/headers/Authorization', pos(t, '"Bearer s3cr3t-t0ken"'))])

t = rep(B, '"address": "http://prometheus:9090", ', '"address": "http://prometheus:9090", "bearer_token": "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl", ')
case('secret-provider-bearer-token', t, [('secret', '/analyses/error-rate/metrics/0/provider/prometheus/bearer_token', pos(t, '"eyJhbGci'))])

t = rep(B, '      "name": "db",\n      "owner": "team-db",\n', '''      "name": "db",
      "owner": "team-db",
      "webhooks": [
        {"name": "notify", "url": "https://hooks.example.com/convoy", "type": "event", "headers": {"X-Auth-Token": "abc123"}}
      ],
''')
case('secret-service-webhook-token', t, [('secret', '/services/1/webhooks/0/headers/X-Auth-Token', pos(t, '"abc123"'))])

# ---------------------------------------------------------------- cohorts
t = add_services(B, cohort_svc('cart', 20) + ',\n' + cohort_svc('wishlist', 30))
case('cohort-weights', t, [('cohort', '/services/3/traffic/cohort', None)])

t = add_services(B, cohort_svc('cart', 20) + ',\n' + cohort_svc('wishlist', 20, sticky='{"cookie": "session"}'))
case('cohort-sticky', t, [('cohort', '/services/3/traffic/cohort', None)])

t = add_services(B, cohort_svc('cart', 20) + ',\n' + cohort_svc('wishlist', 20, deps='cart'))
case('cohort-dependency', t, [('cohort', '/services/3/traffic/cohort', None)])

# ---------------------------------------------------------------- policies
t = with_top(B, '  "policies": {"max_weight_jump": 25}')
case('policy-max-weight-jump', t, [('policy-max-weight-jump', '/services/0/steps/3', pos(t, '{"set_weight": 50}'))])

t = rep(B, DB_SERVICE, '''    {
      "name": "db",
      "owner": "team-db",
      "steps": [
        {"analysis": "error-rate"},
        {"set_weight": 45},
        {"pause": "1m"}
      ]
    }''')
t = with_top(t, '  "policies": {"analysis_before_weight": 40}')
case('policy-analysis-before-weight', t, [('policy-analysis-before-weight', '/services/1/steps/1', pos(t, '{"set_weight": 45}'))])

t = rep(B, '''      ]
    }
  },
  "services"''', '''      ]
    },
    "latency": {
      "metrics": [
        {
          "name": "p99-latency",
          "provider": {"prometheus": {"address": "http://prometheus:9090", "query": "histogram_quantile(0.99, rate(latency_bucket{service=\\"{{service}}\\"}[1m]))"}},
          "interval": "1m",
          "count": 3,
          "success": "<0.3"
        }
      ]
    }
  },
  "services"''')
t = rep(t, '''        {"set_weight": 10},
        {"analysis": "error-rate"}''', '''        {"set_weight": 10},
        {"analysis": "latency"}''')
t = with_top(t, '  "policies": {"required_metric": {"pattern": "error.?rate", "min_weight": 1}}')
case('policy-required-metric', t, [('policy-required-metric', '/services/1/steps/1', pos(t, '{"analysis": "latency"}'))])

t = with_top(B, '  "rollback": {"mode": "manual", "scope": "service"},\n  "policies": {"rollback_automatic": true}')
case('policy-rollback-automatic', t, [('policy-automatic-rollback', '/rollback/mode', pos(t, '"manual"'))])

t = rep(B, '      "name": "db",\n      "owner": "team-db",\n', '      "name": "db",\n')
t = with_top(t, '  "policies": {"owner_required": true}')
case('policy-owner-required', t, [('policy-owner-required', '/services/1', None)])

t = plan_with([svc('cache', []), svc('db', []), svc('queue', []), svc('api', ['db'])])
t = t.rstrip('\n')[:-1].rstrip('\n') + ',\n  "policies": {"max_services_per_wave": 2}\n}\n'
case('policy-max-services-per-wave', t, [('policy-max-services-per-wave', '/services/2', None)])

# ---------------------------------------------------------------- empty, names
t = rep(B, B[B.index('  "services": ['):], '  "services": []\n}\n')
case('empty-services', t, [('empty', '/services', pos(t, '[]'))])

t = rep(B, '"name": "api"', '"name": "api gateway"')
case('name-with-space', t, [('name', '/services/0/name', pos(t, '"api gateway"'))])

t = rep(B, '"name": "api"', '"name": "-api"')
case('name-leading-dash', t, [('name', '/services/0/name', pos(t, '"-api"'))])

long_name = 'a' + 'b' * 253
t = rep(B, '"name": "api"', f'"name": "{long_name}"')
case('name-too-long', t, [('name', '/services/0/name', pos(t, '"' + long_name))])

t = rep(B, '''      ]
    }
  },
  "services"''', '''      ]
    },
    "_internal": {
      "metrics": [
        {"name": "up", "provider": {"prometheus": {"query": "up"}}, "min": 1}
      ]
    }
  },
  "services"''')
case('analysis-name-underscore', t, [('name', '/analyses/_internal', pos(t, '"_internal"'))])

# ---------------------------------------------------------------- multi-problem files
t = rep(B, '"interval": "1m"', '"interval": "5 minutes"')
t = rep(t, '{"set_weight": 20}', '{"set_weight": 101}')
t = rep(t, '"owner": "team-db"', '"ownr": "team-db"')
case('multi-three-problems', t, [
    ('duration', '/analyses/error-rate/metrics/0/interval', pos(t, '"5 minutes"')),
    ('range', '/services/0/steps/0/set_weight', pos(t, '101')),
    ('unknown-key', '/services/1/ownr', pos(t, '"ownr"')),
])

t = plan_with([svc('a', ['b']), svc('b', ['a']), svc('c', ['d']), svc('d', ['c'])])
case('multi-two-cycles', t, [
    ('cycle', '/services/0/depends_on/0', pos(t, '"depends_on": ["b"]', offset=15)),
    ('cycle', '/services/2/depends_on/0', pos(t, '"depends_on": ["d"]', offset=15)),
])

t = rep(B, '"depends_on": ["db"]', '"depends_on": ["db", "queue"]')
t = rep(t, '{"analysis": "error-rate"},\n        {"set_weight": 50}', '{"analysis": "error-rte"},\n        {"set_weight": 50}')
t = rep(t, '''        {"set_weight": 10},
        {"analysis": "error-rate"}''', '''        {"set_weight": 10},
        {"analysis": "latency"}''')
case('multi-unknown-references', t, [
    ('unknown-reference', '/services/0/depends_on/1', pos(t, '"queue"')),
    ('unknown-reference', '/services/0/steps/2/analysis', pos(t, '"error-rte"')),
    ('unknown-reference', '/services/1/steps/1/analysis', pos(t, '"latency"')),
])

t = rep(B, '"count": 3', '"count": true')
t = rep(t, '"owner": "team-api"', '"owner": ["team-api"]')
t = rep(t, '{"set_weight": 50}', '{"set_weight": null}')
t = rep(t, '{"pause": "1m"}', '{"pause": 60}')
case('multi-types', t, [
    ('type', '/analyses/error-rate/metrics/0/count', pos(t, 'true')),
    ('type', '/services/0/owner', pos(t, '["team-api"]')),
    ('type', '/services/0/steps/1/pause', pos(t, '60}')),
    ('type', '/services/0/steps/3/set_weight', pos(t, 'null')),
])

t = with_top(B, '  "rollback": {"mode": "manual", "scope": "service"},\n  "policies": {"max_weight_jump": 15, "rollback_automatic": true}')
case('multi-policies', t, [
    ('policy-max-weight-jump', '/services/0/steps/0', pos(t, '{"set_weight": 20}')),
    ('policy-max-weight-jump', '/services/0/steps/3', pos(t, '{"set_weight": 50}')),
    ('policy-automatic-rollback', '/rollback/mode', pos(t, '"manual"')),
])

# ---------------------------------------------------------------- write
os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT):
    if f.endswith('.json'):
        os.remove(os.path.join(OUT, f))
lines = [
    '# Negative plan corpus: every file here must fail to parse, reporting exactly the',
    '# rows listed for it and nothing else. Columns: file, problem name',
    '# (convoy_problem_name), JSON Pointer ("-" for the empty pointer, i.e. the whole',
    '# document), optional line:column.',
    '# Files with a "syntax" row fail with CONVOY_E_PARSE, with a "limit" row with',
    '# CONVOY_E_LIMIT, all others with CONVOY_E_INVALID.',
    '# line:column (1-based, column in bytes) is where the offending text starts: the',
    '# offending character for syntax errors; the key for unknown-key and duplicate-key;',
    '# otherwise the value the pointer names (for an object, its opening brace).',
]
for i, (name, content, rows, valid_json) in enumerate(cases, 1):
    fname = f'{i:03d}-{name}.json'
    data = content if isinstance(content, bytes) else content.encode('utf-8')
    if valid_json:
        try:
            json.loads(data.decode('utf-8'))
        except Exception as e:  # noqa
            if name != 'duplicate-key':
                raise SystemExit(f'{fname}: meant to be valid JSON: {e}')
    with open(os.path.join(OUT, fname), 'wb') as fh:
        fh.write(data)
    for code, ptr, lc in rows:
        cols = [fname, code, ptr if ptr else '-']
        if lc:
            cols.append(lc)
        lines.append('\t'.join(cols))
with open(os.path.join(OUT, 'expected.tsv'), 'w') as fh:
    fh.write('\n'.join(lines) + '\n')
print(len(cases), 'files')
