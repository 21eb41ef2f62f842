# bash completion for hotswapctl. Installed as
# $(PREFIX)/share/bash-completion/completions/hotswapctl.
_hotswapctl() {
    local cur prev words cword
    _init_completion 2>/dev/null || {
        cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
    }
    local verbs="status get dump explain reload set unset patch history diff rollback validate convert"
    local global="--instance --socket --config --json --help"

    case $prev in
        --instance)
            local names=$(ls /dev/shm 2>/dev/null | sed -n 's/^hotswap\.\([^.]*\)$/\1/p')
            COMPREPLY=($(compgen -W "$names" -- "$cur")); return ;;
        --socket|--config|--schema|--to)
            COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --format)
            COMPREPLY=($(compgen -W "json yaml toml" -- "$cur")); return ;;
        --from)
            COMPREPLY=($(compgen -W "json yaml toml" -- "$cur")); return ;;
    esac

    local verb="" i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --instance|--socket|--config|--schema|--to|--format|--from) ((i++)) ;;
            -*) ;;
            *) verb=${words[i]}; break ;;
        esac
    done

    if [[ -z $verb ]]; then
        COMPREPLY=($(compgen -W "$verbs $global" -- "$cur")); return
    fi
    case $verb in
        dump) COMPREPLY=($(compgen -W "--format --show-secrets $global" -- "$cur")) ;;
        patch) COMPREPLY=($(compgen -W "--to $global" -f -- "$cur")) ;;
        validate) COMPREPLY=($(compgen -W "--schema $global" -f -- "$cur")) ;;
        convert) COMPREPLY=($(compgen -W "--from --to $global" -f -- "$cur")) ;;
        *) COMPREPLY=($(compgen -W "$global" -- "$cur")) ;;
    esac
}
complete -F _hotswapctl hotswapctl
