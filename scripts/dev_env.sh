# Sourced by scripts/develop and scripts/bench: set up a Home Assistant pair
# and set DEV_VENV to its virtualenv.
#
#   dev_env newest oldest    the first pair whose Python this machine has
#
# DEV_PAIR=newest (or oldest) asks for one pair only.
dev_env() {
    local pair rc
    local pairs=("$@")
    if [[ -n "${DEV_PAIR:-}" ]]; then
        pairs=("$DEV_PAIR")
    fi
    for pair in "${pairs[@]}"; do
        rc=0
        scripts/setup "$pair" >&2 || rc=$?
        if ((rc == 0)); then
            if [[ "$pair" == newest ]]; then DEV_VENV=.venv; else DEV_VENV=".venv-$pair"; fi
            return 0
        fi
        if ((rc != 3)); then
            return "$rc"
        fi
        echo "==> Pair $pair has no Python here; trying the next one" >&2
    done
    return 3
}
