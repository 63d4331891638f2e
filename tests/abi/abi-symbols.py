#!/usr/bin/python3
"""abi-symbols: the exported symbols, the version script and the public
headers must name the same set of functions.

usage: abi-symbols.py LIBRARY MAPFILE INCLUDEDIR

  LIBRARY     the built shared library (libconvoy.so.*), or the word
              "static" when the build has no shared library (then the test
              is skipped with exit code 77, unless CONVOY_ABI_REQUIRED=1)
  MAPFILE     lib/libconvoy.map
  INCLUDEDIR  include/convoy (every *.h below it is parsed)

Checks (each failure is listed; exit 1 when any fails):
  - every exported (defined, dynamic) symbol starts with convoy_
  - exported symbols == names under `global:` in the version script
  - exported symbols == functions/data declared with CONVOY_API
  - SONAME is libconvoy.so.1 (readelf -d)
  - every exported symbol carries the version node that lists it in the
    version script, as its default version (objdump -T)
Uses only the Python standard library and binutils.
"""
import os
import re
import subprocess
import sys

SKIP = 77
EXPECTED_SONAME = "libconvoy.so.1"
PREFIX = "convoy_"


def run(argv):
    try:
        res = subprocess.run(argv, check=False, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True)
    except FileNotFoundError:
        sys.exit("abi-symbols: FAIL: %s not found (install binutils)" % argv[0])
    if res.returncode != 0:
        sys.exit("abi-symbols: FAIL: %s exited %d:\n%s"
                 % (" ".join(argv), res.returncode, res.stderr))
    return res.stdout


# ---------------------------------------------------------------- library
def exported_symbols(lib):
    """name -> (nm type, version) for defined dynamic symbols."""
    out = {}
    version_nodes = set()
    for line in run(["nm", "-D", "--defined-only", lib]).splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        typ, name = parts[-2], parts[-1]
        version = None
        if "@" in name:
            name, _, version = name.partition("@")
            version = version.lstrip("@")
        if typ == "A" and version is None:
            # nm prints a version definition (CONVOY_1.0) as an absolute
            # symbol; it is the version node itself, not an interface.
            version_nodes.add(name)
            continue
        out[name] = (typ, version)
    return out, version_nodes


def symbol_versions(lib):
    """name -> (version, is_default) from objdump -T, defined symbols only."""
    out = {}
    for line in run(["objdump", "-T", lib]).splitlines():
        # 0000000000001b40 g    DF .text  0000000000000013  CONVOY_1.0  convoy_error_message
        # (no version column at all when the library has no version script)
        m = re.match(r"^[0-9a-fA-F]+\s.{7}\s(\S+)\s+[0-9a-fA-F]+\s+(?:(\S+)\s+)?(\S+)\s*$",
                     line)
        if not m:
            continue
        section, version, name = m.groups()
        version = version or "(none)"
        if section == "*UND*":
            continue
        hidden = version.startswith("(") and version.endswith(")")
        out[name] = (version.strip("()"), not hidden)
    return out


def soname(lib):
    for line in run(["readelf", "-d", lib]).splitlines():
        m = re.search(r"\(SONAME\)\s+Library soname: \[(.*)\]", line)
        if m:
            return m.group(1)
    return None


# ------------------------------------------------------------ version map
def strip_c_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def map_names(path):
    """name -> version node, for every name under `global:`."""
    with open(path, encoding="utf-8") as f:
        text = strip_c_comments(f.read())
    text = re.sub(r"#[^\n]*", "", text)
    names, problems = {}, []
    # NODE { ... } [PARENT] ;
    for m in re.finditer(r"([A-Za-z0-9_.]+)\s*\{(.*?)\}\s*([A-Za-z0-9_.]*)\s*;", text, re.S):
        node, body = m.group(1), m.group(2)
        section = None
        for tok in re.findall(r"[^\s;]+:|[^\s;]+", body):
            if tok.endswith(":"):
                section = tok[:-1]
                continue
            if section != "global":
                continue
            if any(c in tok for c in "*?[]"):
                problems.append("version script: wildcard %r under global: in %s "
                                "(list names explicitly)" % (tok, node))
                continue
            if tok in names:
                problems.append("version script: %s listed twice (%s and %s)"
                                % (tok, names[tok], node))
            names[tok] = node
    return names, problems


# ---------------------------------------------------------------- headers
def strip_preprocessor(text):
    """Drop preprocessor directives (with backslash continuations): the
    #define of CONVOY_API itself must not count as a declaration."""
    out, cont = [], False
    for line in text.split("\n"):
        if cont or line.lstrip().startswith("#"):
            cont = line.rstrip().endswith("\\")
            out.append("")
            continue
        out.append(line)
    return "\n".join(out)


def strip_balanced(text, keyword):
    """Remove `keyword(...)` with balanced parentheses (attributes)."""
    while True:
        m = re.search(r"\b%s\s*\(" % re.escape(keyword), text)
        if not m:
            return text
        depth, i = 0, m.end() - 1
        while i < len(text):
            if text[i] == "(":
                depth += 1
            elif text[i] == ")":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        text = text[:m.start()] + " " + text[i + 1:]


def header_declarations(incdir):
    """name -> 'file:line' for every CONVOY_API declaration."""
    decls, problems = {}, []
    headers = []
    for root, _dirs, files in os.walk(incdir):
        headers += [os.path.join(root, f) for f in files if f.endswith(".h")]
    if not headers:
        problems.append("no headers found under %s" % incdir)
    for path in sorted(headers):
        rel = os.path.relpath(path, os.path.dirname(os.path.dirname(incdir)))
        with open(path, encoding="utf-8") as f:
            text = strip_preprocessor(strip_c_comments(f.read()))
        for m in re.finditer(r"\bCONVOY_API\b", text):
            line = text.count("\n", 0, m.start()) + 1
            end = re.compile(r"[;{]").search(text, m.end())
            if not end:
                problems.append("%s:%d: unterminated CONVOY_API declaration" % (rel, line))
                continue
            decl = text[m.end():end.start()]
            for kw in ("__attribute__", "__declspec", "CONVOY_DEPRECATED", "alignas",
                       "_Alignas"):
                decl = strip_balanced(decl, kw)
            decl = " ".join(decl.split())
            fm = re.match(r"^[^(]*?\b([A-Za-z_]\w*)\s*\(", decl)
            if fm and not decl.lstrip().startswith("("):
                name = fm.group(1)          # function: identifier before first '('
            else:
                dm = re.search(r"\b([A-Za-z_]\w*)\s*(\[[^\]]*\]\s*)*(=.*)?$", decl)
                if not dm:
                    problems.append("%s:%d: cannot parse CONVOY_API declaration: %s"
                                    % (rel, line, decl))
                    continue
                name = dm.group(1)          # data: last identifier
            if name in decls and decls[name] != "%s:%d" % (rel, line):
                # Redeclaring is legal C, but in our headers it is a slip.
                problems.append("%s:%d: %s already declared at %s"
                                % (rel, line, name, decls[name]))
            decls.setdefault(name, "%s:%d" % (rel, line))
    return decls, problems


# ------------------------------------------------------------------- main
def show(title, names, extra=None):
    print("  %s (%d):" % (title, len(names)))
    for n in sorted(names):
        print("    %s%s" % (n, ("   [%s]" % extra[n]) if extra and n in extra else ""))


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    lib, mapfile, incdir = argv[1], argv[2], os.path.abspath(argv[3])

    if lib == "static" or not os.path.exists(lib):
        why = ("the build has no shared library (default_library=static)"
               if lib == "static" else "%s does not exist" % lib)
        if os.environ.get("CONVOY_ABI_REQUIRED") == "1":
            print("abi-symbols: FAIL: %s, and CONVOY_ABI_REQUIRED=1 forbids skipping" % why)
            return 1
        print("abi-symbols: SKIP: %s; the exported-symbol check needs "
              "libconvoy.so (configure with -Ddefault_library=shared or both)" % why)
        return SKIP

    failures = []
    exported, nodes = exported_symbols(lib)
    mapped, map_problems = map_names(mapfile)
    declared, hdr_problems = header_declarations(incdir)
    failures += map_problems + hdr_problems

    print("abi-symbols: %s" % lib)
    print("  exported: %d, version script: %d, CONVOY_API declarations: %d"
          % (len(exported), len(mapped), len(declared)))

    exp, mp, dcl = set(exported), set(mapped), set(declared)

    bad_prefix = sorted(n for n in exp if not n.startswith(PREFIX))
    if bad_prefix:
        failures.append("exported symbols without the %s prefix" % PREFIX)
        show("exported without %s prefix" % PREFIX, bad_prefix,
             {n: "nm type %s" % exported[n][0] for n in bad_prefix})
    internal = sorted(n for n in exp if n.startswith("convoy__"))
    if internal:
        failures.append("internal convoy__ functions are exported")
        show("internal (convoy__*) names exported", internal)

    for title, diff, extra in (
            ("exported but not in the version script", exp - mp, None),
            ("in the version script but not exported", mp - exp, mapped),
            ("exported but not declared CONVOY_API in a header", exp - dcl, None),
            ("declared CONVOY_API but not exported", dcl - exp, declared)):
        if diff:
            failures.append("%d %s (listed above)" % (len(diff), title))
            show(title, diff, extra)

    name = soname(lib)
    if name != EXPECTED_SONAME:
        failures.append("SONAME is %r, expected %r" % (name, EXPECTED_SONAME))
    else:
        print("  SONAME: %s" % name)

    versions = symbol_versions(lib)
    wrong = []
    for n in sorted(exp):
        want = mapped.get(n)
        have = versions.get(n)
        if have is None:
            wrong.append("%s: not in objdump -T output" % n)
        elif want is not None and have[0] != want:
            wrong.append("%s: version %s, the version script lists it in %s"
                         % (n, have[0], want))
        elif want is None and not have[0].startswith("CONVOY_"):
            wrong.append("%s: version %s, expected a CONVOY_* node" % (n, have[0]))
        elif not have[1]:
            wrong.append("%s: version %s is hidden (not the default @@ version)"
                         % (n, have[0]))
    if wrong:
        failures.append("symbol versions are wrong")
        show("symbols with a wrong version (objdump -T)", wrong)
    missing_nodes = set(mapped.values()) - nodes
    if missing_nodes:
        failures.append("version nodes not defined in the library: %s"
                        % ", ".join(sorted(missing_nodes)))

    if failures:
        print("abi-symbols: FAIL")
        for f in failures:
            print("  - %s" % f)
        return 1
    print("  versions: all %d exported symbols carry their version node (%s)"
          % (len(exp), ", ".join(sorted(set(mapped.values())))))
    print("abi-symbols: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
