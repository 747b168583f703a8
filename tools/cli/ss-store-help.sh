#!/bin/sh
# Writes docs/ss-store.md, the command reference, from the help of an ss-store binary:
#   tools/cli/ss-store-help.sh build/default/tools/cli/ss-store > docs/ss-store.md
# store_tool_test fails when the page and the program's --help disagree.
set -eu
tool=$1
cat <<'HEAD'
# ss-store: command reference

The help of every `ss-store` subcommand, exactly as `--help` prints it (the test
`store_tool_test` checks that this page and the program agree: regenerate it with
`tools/cli/ss-store-help.sh build/default/tools/cli/ss-store > docs/ss-store.md` after changing
an option). The operator's guide with worked examples is [store-tool.md](store-tool.md).
HEAD
for sub in "" stats verify salvage dump clear export import; do
    echo
    if [ -z "$sub" ]; then echo "## ss-store --help"; else echo "## ss-store $sub --help"; fi
    echo
    echo '```'
    # shellcheck disable=SC2086 # an empty $sub must vanish
    "$tool" $sub --help
    echo '```'
done
