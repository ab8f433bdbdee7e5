# Sourced by scripts/develop and scripts/bench: set up the newest Home
# Assistant pair whose Python this machine has, and set DEV_VENV to its
# virtualenv (the newest pair, else the oldest one).
dev_env() {
    local rc=0
    scripts/setup newest >&2 || rc=$?
    if ((rc == 0)); then
        DEV_VENV=.venv
        return 0
    fi
    if ((rc != 3)); then
        return "$rc"
    fi
    echo "==> Falling back to the oldest supported Home Assistant" >&2
    scripts/setup oldest >&2 || return $?
    DEV_VENV=.venv-oldest
}
