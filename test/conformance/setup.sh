#!/usr/bin/env bash
# Installs what `npm run test:conformance` needs, into a cache that later runs reuse (a warm run: < 1 s):
#  - the HAPI FHIR validator jars (validator/pom.xml; Maven resolves the dependency closure from Maven
#    Central) and the compiled runner (validator/FhirConformanceRunner.java, javac of Java 17), plus a
#    class-data-sharing archive that makes each JVM start faster;
#  - a Python venv with pydicom, whose bundled test files are the real DICOM corpus, and a manifest of
#    what pydicom reads in each file (corpus.py).
# Cache: $CARELEDGER_CONFORMANCE_CACHE (default ~/.cache/careledger-conformance); each part is keyed by a
# hash of its inputs, so a changed pom, runner or pinned version is installed again.
# Prints the paths the suite reads as KEY=VALUE lines (also written to $cache/env).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${CARELEDGER_CONFORMANCE_CACHE:-${HOME:-/root}/.cache/careledger-conformance}"
mkdir -p "$cache"
say() { echo "conformance setup: $*" >&2; }
key() { cat "$@" | sha256sum | cut -c1-16; }
# The runner's jar and every dependency jar by name (the CDS archive records this exact class path).
classpath() { printf '%s' "$classes/runner.jar"; for j in "$jars"/*.jar; do printf ':%s' "$j"; done; }

# --- FHIR validator -------------------------------------------------------------------------------
jar_key="$(key "$here/validator/pom.xml")"
jars="$cache/jars-$jar_key"
if [ ! -f "$jars/.complete" ]; then
  if ! command -v mvn >/dev/null; then
    say "installing Debian's maven"
    if [ "$(id -u)" = 0 ]; then
      (apt-get install -y -qq maven >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq maven >/dev/null; })
    else
      sudo apt-get install -y -qq maven >/dev/null
    fi
  fi
  say "resolving the HAPI FHIR validator's jars from Maven Central"
  rm -rf "$jars" && mkdir -p "$jars"
  mvn -q -B -f "$here/validator/pom.xml" -Dmaven.repo.local="$cache/m2" \
    dependency:copy-dependencies -DoutputDirectory="$jars" -DincludeScope=runtime >&2
  rm -rf "$cache/m2"
  touch "$jars/.complete"
fi

runner_key="$(key "$here/validator/pom.xml" "$here/validator/FhirConformanceRunner.java" "$here/setup.sh")"
classes="$cache/runner-$runner_key"
if [ ! -f "$classes/.complete" ]; then
  say "compiling the validator runner"
  rm -rf "$classes" && mkdir -p "$classes/build"
  javac -nowarn -d "$classes/build" -cp "$jars/*" "$here/validator/FhirConformanceRunner.java"
  # A jar, not a folder: class-data sharing archives classes from jars only.
  jar cf "$classes/runner.jar" -C "$classes/build" . && rm -rf "$classes/build"
  # One run over a small resource records the classes it loads into a CDS archive (faster JVM start).
  mkdir -p "$classes/sample"
  echo '{"resourceType":"Patient","id":"p","active":true}' >"$classes/sample/patient.json"
  java -XX:ArchiveClassesAtExit="$classes/runner.jsa" -XX:TieredStopAtLevel=1 \
    -cp "$(classpath)" FhirConformanceRunner "$classes/sample" >/dev/null 2>&1 || rm -f "$classes/runner.jsa"
  touch "$classes/.complete"
fi
for old in "$cache"/jars-* "$cache"/runner-*; do
  case "$old" in "$jars" | "$classes") ;; *) rm -rf "$old" ;; esac
done

# --- DICOM corpus (pydicom's test files) ----------------------------------------------------------
pydicom_version=3.0.2
venv_key="$(echo "pydicom==$pydicom_version" | cat - "$here/corpus.py" | sha256sum | cut -c1-16)"
venv="$cache/venv-$venv_key"
if [ ! -f "$venv/.complete" ]; then
  say "creating a Python venv with pydicom $pydicom_version"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "pydicom==$pydicom_version" >&2
  "$venv/bin/python" "$here/corpus.py" >"$venv/corpus.json"
  touch "$venv/.complete"
fi
for old in "$cache"/venv-*; do [ "$old" = "$venv" ] || rm -rf "$old"; done

{
  echo "FHIR_VALIDATOR_CLASSPATH=$(classpath)"
  echo "FHIR_VALIDATOR_CDS=$([ -f "$classes/runner.jsa" ] && echo "$classes/runner.jsa")"
  echo "DICOM_CORPUS_MANIFEST=$venv/corpus.json"
} | tee "$cache/env"
