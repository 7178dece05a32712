/**
 * `platform completion bash|zsh`: prints a completion script generated from the verbs' tables
 * (ops/commands/tables.ts): verbs, subcommands, each command's flags, environments under
 * `stacks/` where a command takes one, files where a flag takes a FILE, DIR or PATH.
 */
import { CommandSpec, Flag, parseCommand, Positional } from "./grammar";
import { COMPLETION, TABLES } from "./tables";
import { Command, EXIT, UsageError } from "./types";

/** One command line shape: `up`, or `cluster up` for a subcommand. */
interface Leaf {
  key: string;
  spec: CommandSpec;
}

function leaves(): Leaf[] {
  const out: Leaf[] = [];
  for (const [verb, spec] of Object.entries(TABLES)) {
    if (spec.subcommands) {
      for (const [sub, subSpec] of Object.entries(spec.subcommands))
        out.push({ key: `${verb} ${sub}`, spec: subSpec });
    } else out.push({ key: verb, spec });
  }
  return out;
}

type ValueKind = "file" | "environment" | "none";

function valueKind(flag: Flag): ValueKind {
  if (flag.type === "boolean") return "none";
  if (/^(FILE|DIR|PATH)$/.test(flag.value)) return "file";
  return flag.value === "<env>" ? "environment" : "none";
}

function flagNames(spec: CommandSpec): string[] {
  const names = Object.entries(spec.flags).flatMap(([name, flag]) => [
    `--${name}`,
    ...(flag.short ? [`-${flag.short}`] : []),
  ]);
  return [...names, "--help", "-h"];
}

/** The shell words of how a positional completes. */
function positionalWords(p: Positional | undefined): {
  kind: "environment" | "file" | "words" | "none";
  words: string[];
} {
  if (!p?.complete) return { kind: "none", words: [] };
  if (typeof p.complete === "string") return { kind: p.complete, words: [] };
  return { kind: "words", words: [...p.complete] };
}

const ENVS_BASH = `_platform_envs() {
  local root=$PWD
  while [[ -n $root && ! -f $root/Pulumi.yaml ]]; do root=\${root%/*}; done
  [[ -d \${root:-.}/stacks ]] || return 0
  local d
  for d in "\${root:-.}"/stacks/*/platform.yaml; do
    [[ -f $d ]] && d=\${d%/platform.yaml} && printf '%s\\n' "\${d##*/}"
  done
}`;

/** The bash script: `eval "$(platform completion bash)"`. */
export function bashScript(): string {
  const verbs = [...Object.keys(TABLES), "help", "--help", "--version"];
  const subs = Object.entries(TABLES)
    .filter(([, spec]) => spec.subcommands)
    .map(([verb, spec]) => `    ${verb}) subs="${Object.keys(spec.subcommands ?? {}).join(" ")}" ;;`);
  const cases = leaves().map(({ key, spec }) => {
    const byKind = (kind: ValueKind) =>
      Object.entries(spec.flags)
        .filter(([, f]) => valueKind(f) === kind && f.type === "string")
        .map(([n]) => `--${n}`);
    const valued = Object.entries(spec.flags)
      .filter(([, f]) => f.type === "string")
      .map(([n]) => `--${n}`);
    const pos = positionalWords(spec.positionals[0]);
    return [
      `    "${key}")`,
      `      flags="${flagNames(spec).join(" ")}"`,
      `      valued=" ${valued.join(" ")} "; files=" ${byKind("file").join(" ")} "; envflags=" ${byKind("environment").join(" ")} "`,
      `      args="${pos.kind}"; words="${pos.words.join(" ")}" ;;`,
    ].join("\n");
  });
  return `# bash completion for platform: eval "$(platform completion bash)"
${ENVS_BASH}

_platform() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  COMPREPLY=()
  if (( COMP_CWORD == 1 )); then
    COMPREPLY=($(compgen -W "${verbs.join(" ")}" -- "$cur"))
    return 0
  fi
  local key=\${COMP_WORDS[1]} subs=""
  case $key in
${subs.join("\n")}
  esac
  if [[ -n $subs ]]; then
    if (( COMP_CWORD == 2 )); then
      COMPREPLY=($(compgen -W "$subs --help" -- "$cur"))
      return 0
    fi
    key="$key \${COMP_WORDS[2]}"
  fi
  local flags="" valued="" files="" envflags="" args="none" words=""
  case $key in
${cases.join("\n")}
    *) return 0 ;;
  esac
  if [[ $files == *" $prev "* ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  elif [[ $envflags == *" $prev "* ]]; then
    COMPREPLY=($(compgen -W "$(_platform_envs)" -- "$cur"))
  elif [[ $valued == *" $prev "* ]]; then
    return 0
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [[ $args == environment ]]; then
    COMPREPLY=($(compgen -W "$(_platform_envs)" -- "$cur"))
  elif [[ $args == file ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  elif [[ $args == words ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  fi
  return 0
}
complete -F _platform platform
`;
}

/** A description, safe inside a single-quoted zsh word and an `_arguments` `[description]`. */
function zshText(text: string): string {
  return text.replace(/'/g, "'\\''").replace(/([[\]\\])/g, "\\$1");
}

/** A name or value label: as zshText, and `:` (the field separator) escaped. */
function zshName(text: string): string {
  return zshText(text).replace(/:/g, "\\:");
}

function zshPositional(p: Positional): string {
  const action =
    p.complete === "environment"
      ? "_platform_envs"
      : p.complete === "file"
        ? "_files"
        : Array.isArray(p.complete)
          ? `(${p.complete.join(" ")})`
          : " ";
  const prefix = p.variadic ? "*:" : p.required ? ":" : "::";
  return `'${prefix}${zshName(p.name)}:${action}'`;
}

function zshFlag(name: string, flag: Flag): string {
  const desc = `[${zshText(flag.description)}]`;
  const value =
    flag.type === "string"
      ? `:${zshName(flag.value)}:${{ file: "_files", environment: "_platform_envs", none: " " }[valueKind(flag)]}`
      : "";
  const eq = flag.type === "string" ? "=" : "";
  const many = flag.type === "string" && flag.multiple ? "*" : "";
  if (flag.short) return `'(-${flag.short} --${name})'{-${flag.short},--${name}${eq}}'${desc}${value}'`;
  return `'${many}--${name}${eq}${desc}${value}'`;
}

/** The zsh script: `eval "$(platform completion zsh)"`, or saved as `_platform` on `$fpath`. */
export function zshScript(): string {
  const describe = (entries: [string, string][]) =>
    entries.map(([name, summary]) => `'${zshName(name)}:${summary.replace(/'/g, "'\\''")}'`).join(" ");
  const subs = Object.entries(TABLES)
    .filter(([, spec]) => spec.subcommands)
    .map(
      ([verb, spec]) =>
        `    ${verb}) subs=(${describe(Object.entries(spec.subcommands ?? {}).map(([n, s]) => [n, s.summary]))}) ;;`,
    );
  const cases = leaves().map(({ key, spec }) => {
    const specs = [
      ...Object.entries(spec.flags).map(([name, flag]) => zshFlag(name, flag)),
      `'(-h --help)'{-h,--help}'[show this help]'`,
      ...spec.positionals.map(zshPositional),
    ];
    return `    "${key}") _arguments -s ${specs.join(" \\\n        ")} ;;`;
  });
  return `#compdef platform
# zsh completion for platform: eval "$(platform completion zsh)"
_platform_envs() {
  local root=$PWD
  while [[ -n $root && ! -f $root/Pulumi.yaml ]]; do root=\${root%/*}; done
  local -a envs
  envs=(\${root:-.}/stacks/*/platform.yaml(N:h:t))
  compadd -a envs
}

_platform() {
  local -a verbs subs
  verbs=(${describe(Object.entries(TABLES).map(([verb, spec]) => [verb, spec.summary]))})
  if (( CURRENT == 2 )); then
    _describe -t commands 'platform command' verbs
    return
  fi
  local key=$words[2]
  case $key in
${subs.join("\n")}
  esac
  if (( $#subs )); then
    if (( CURRENT == 3 )); then
      _describe -t commands "platform $key command" subs
      return
    fi
    key="$key $words[3]"
    shift words
    (( CURRENT-- ))
  fi
  shift words
  (( CURRENT-- ))
  case $key in
${cases.join("\n")}
  esac
}

if [[ $funcstack[1] == _platform ]]; then
  _platform "$@"
else
  compdef _platform platform
fi
`;
}

/** The `completion` verb. */
export const completion: Command = async (argv, io) => {
  const { positionals } = parseCommand(COMPLETION, argv);
  const [shell] = positionals;
  if (shell === "bash") io.stdout(bashScript());
  else if (shell === "zsh") io.stdout(zshScript());
  else throw new UsageError(`unknown shell "${shell}": bash or zsh`);
  return EXIT.ok;
};
