# Sourced by the test scripts: what a binary built from this checkout must say to
# `--version` (crates/build-info). A binary that names another commit is a stale build.
#   expected_commit     this checkout's HEAD
#   expected_clean      yes when nothing tracked differs from HEAD
#   reports_this_checkout WHAT LINE   prints PASS/FAIL; returns 1 on FAIL
expected_commit=$(git rev-parse HEAD)
expected_clean=$([ -z "$(git status --porcelain --untracked-files=no)" ] && echo yes || echo no)

reports_this_checkout() {
  local what=$1 line=$2
  if [[ "$line" == *"(commit $expected_commit"* ]] \
      && { [ "$expected_clean" = no ] || [[ "$line" != *"uncommitted changes"* ]]; }; then
    echo "PASS $what reports the commit under test: $line"
  else
    echo "FAIL $what reports the commit under test ($expected_commit, clean: $expected_clean): $line"
    return 1
  fi
}
