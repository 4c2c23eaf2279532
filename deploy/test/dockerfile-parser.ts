/** Just enough of the Dockerfile and .dockerignore formats to check and replay deploy/docker/Dockerfile offline. */

export interface Instruction {
  keyword: string;
  /** `--name=value` flags (COPY --from, RUN --mount, FROM --platform). */
  flags: Record<string, string>;
  /** Arguments after the flags: the JSON array's items in exec form, else split on whitespace. */
  args: string[];
  /** Exec (JSON array) form, as ENTRYPOINT and CMD should be written so the process gets signals. */
  execForm: boolean;
  /** The text after the keyword and flags, continuation lines joined. */
  raw: string;
  line: number;
}

export interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions(text)) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args;
      stages.push({
        name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length),
        image: substitute(image, globalArgs),
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') Object.assign(globalArgs, argDefault(instruction.raw));
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** `NAME=default` or `NAME` of an ARG instruction. */
export function argDefault(raw: string): Record<string, string> {
  const [name, ...value] = raw.trim().split('=');
  return { [name]: value.join('=') };
}

/** `${NAME}` and `$NAME` replaced from `values`. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced?: string, bare?: string) => {
    const name = (braced ?? bare)!;
    return values[name] ?? '';
  });
}

function instructions(text: string): Instruction[] {
  const result: Instruction[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const first = lines[index].trim();
    if (first === '' || first.startsWith('#')) continue;
    const line = index + 1;
    let body = first;
    // Continuation lines end in a backslash; comment lines inside an instruction are dropped.
    while (body.endsWith('\\') && index + 1 < lines.length) {
      body = body.slice(0, -1);
      index += 1;
      const next = lines[index].trim();
      if (!next.startsWith('#')) body += ` ${next}`;
    }
    result.push(instruction(body.trim(), line));
  }
  return result;
}

function instruction(body: string, line: number): Instruction {
  const [keyword, ...rest] = body.split(/\s+/);
  const flags: Record<string, string> = {};
  let remaining = rest.join(' ');
  for (;;) {
    const flag = /^--([\w-]+)(?:=(\S*))?\s*/.exec(remaining);
    if (!flag) break;
    flags[flag[1]] = flag[2] ?? 'true';
    remaining = remaining.slice(flag[0].length);
  }
  const execForm = remaining.startsWith('[');
  let args: string[];
  if (execForm) {
    const parsed: unknown = JSON.parse(remaining);
    args = Array.isArray(parsed) ? parsed.map(String) : [];
  } else {
    args = remaining.split(/\s+/).filter(Boolean);
  }
  return { keyword: keyword.toUpperCase(), flags, args, execForm, raw: remaining, line };
}

/**
 * The build context filter of a .dockerignore, with Docker's rules: patterns in order, the last one
 * that matches a path or one of its parent folders decides, `!` takes a path back in.
 */
export class DockerIgnore {
  private readonly patterns: { regex: RegExp; include: boolean }[];

  constructor(text: string) {
    this.patterns = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => {
        const include = line.startsWith('!');
        const pattern = (include ? line.slice(1) : line).trim().replace(/^\/+|\/+$/g, '');
        return { regex: globRegex(pattern), include };
      });
  }

  /** Whether `relativePath` (from the context root, with `/`) stays out of the build context. */
  ignores(relativePath: string): boolean {
    const parts = relativePath.split('/');
    const candidates = parts.map((_, at) => parts.slice(0, at + 1).join('/'));
    let ignored = false;
    for (const pattern of this.patterns) {
      if (candidates.some((candidate) => pattern.regex.test(candidate))) ignored = !pattern.include;
    }
    return ignored;
  }
}

function globRegex(pattern: string): RegExp {
  let source = '';
  for (let at = 0; at < pattern.length; at += 1) {
    const char = pattern[at];
    if (char === '*' && pattern[at + 1] === '*') {
      at += 1;
      if (pattern[at + 1] === '/') {
        at += 1;
        source += '(?:.*/)?';
      } else {
        source += '.*';
      }
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
