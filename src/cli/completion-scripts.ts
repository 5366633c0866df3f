// The scripts `vc-coredns completion bash|zsh|fish` prints. Each asks `vc-coredns __complete` (see
// completion.ts) on TAB, so they never go stale as commands, flags or cached versions change.

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/**
 * bash: the line up to the cursor is split on blanks (COMP_WORDS would also split `--progress=json`
 * at `=` and `oci:DIR` at `:`); bash replaces only its own last word, so what precedes it in our word
 * is cut from each candidate.
 */
const BASH = `# bash completion for vc-coredns
# Load it now:  source <(vc-coredns completion bash)
# For good:     vc-coredns completion bash > ~/.local/share/bash-completion/completions/vc-coredns
_vc_coredns() {
  local line=\${COMP_LINE:0:COMP_POINT}
  local -a words=()
  read -r -a words <<< "$line"
  if [[ -z $line || $line == *[[:space:]] ]]; then words+=(""); fi
  local cur=\${COMP_WORDS[COMP_CWORD]}
  local word=\${words[\${#words[@]}-1]}
  local keep=\${word%"$cur"}
  local out
  out=$("\${words[0]}" __complete -- "\${words[@]:1}" 2>/dev/null) || return 0
  COMPREPLY=()
  local directive="" item
  while IFS= read -r item; do
    case $item in
      :*) directive=\${item#:} ;;
      *)
        item=\${item%%$'\\t'*}
        if [[ $item == "$keep"* ]]; then COMPREPLY+=("\${item#"$keep"}"); fi
        ;;
    esac
  done <<< "$out"
  case $directive in
    files) compopt -o default 2>/dev/null; COMPREPLY=() ;;
    nospace) compopt -o nospace 2>/dev/null ;;
  esac
  return 0
}
complete -F _vc_coredns vc-coredns
`;

/** zsh: words and CURRENT as the completion system gives them; descriptions shown beside values. */
const ZSH = `#compdef vc-coredns
# zsh completion for vc-coredns
# Load it now (after compinit):  source <(vc-coredns completion zsh)
# For good: vc-coredns completion zsh > "\${fpath[1]}/_vc-coredns"   (a folder of $fpath)
_vc_coredns() {
  local -a lines vals descs suffix
  local item directive=values
  lines=("\${(@f)$(\${words[1]} __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  for item in "\${lines[@]}"; do
    case $item in
      (:*) directive=\${item#:} ;;
      (*$'\\t'*) vals+=("\${item%%$'\\t'*}"); descs+=("\${item%%$'\\t'*}  -- \${item#*$'\\t'}") ;;
      ('') ;;
      (*) vals+=("$item"); descs+=("$item") ;;
    esac
  done
  if [[ $directive == files ]]; then
    _files
    return
  fi
  (( \${#vals} )) || return 1
  [[ $directive == nospace ]] && suffix=(-S '')
  compadd -U -l -d descs "\${suffix[@]}" -a vals
}
if [[ \${funcstack[1]} == _vc-coredns ]]; then
  _vc_coredns "$@"
else
  compdef _vc_coredns vc-coredns
fi
`;

/** fish: values with their descriptions as fish shows them (`value<TAB>description`). */
const FISH = `# fish completion for vc-coredns
# Load it now:  vc-coredns completion fish | source
# For good:     vc-coredns completion fish > ~/.config/fish/completions/vc-coredns.fish
function __vc_coredns_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l out ($tokens[1] __complete -- $tokens[2..-1] $current 2>/dev/null)
    or return
    for item in $out
        switch $item
            case ':files'
                __fish_complete_path $current
            case ':*'
            case '*'
                printf '%s\\n' $item
        end
    end
end
complete -c vc-coredns -f -a '(__vc_coredns_complete)'
`;

export function completionScript(shell: Shell): string {
  return { bash: BASH, zsh: ZSH, fish: FISH }[shell];
}
