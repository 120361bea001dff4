/**
 * Reads the project's Dockerfile into stages and instructions, for the tests that check the
 * image's shape and build its stages without a Docker engine. Knows what this Dockerfile
 * uses: comments and the `# syntax` line, `\` continuations, and heredocs after an
 * instruction (`RUN cmd <<'EOF'` … `EOF`), kept in `shell` as BuildKit hands them to
 * /bin/sh -c.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ... */
  keyword: string;
  /** The text after the keyword on its (joined) first line. */
  args: string;
  /** For a RUN: the command as the shell gets it, heredoc bodies included. */
  shell: string;
  /** Heredoc bodies, in order. */
  heredocs: string[];
}

export interface Stage {
  image: string;
  /** The `--platform=` of its FROM, if any. */
  platform: string | undefined;
  name: string | undefined;
  instructions: Instruction[];
}

export function readDockerfile(path = `${REPO_ROOT}Dockerfile`): Stage[] {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

export function parseDockerfile(text: string): Stage[] {
  const lines = text.split('\n');
  const instructions: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]}`;
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`Dockerfile line ${i + 1} is not an instruction: ${line}`);
    const keyword = (match[1] as string).toUpperCase();
    const args = (match[2] as string).trim();
    const heredocs: string[] = [];
    let shell = args;
    for (const [, delimiter] of args.matchAll(/<<-?['"]?([A-Za-z_]+)['"]?/g)) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== delimiter) body.push(lines[i] as string);
      if (i >= lines.length) throw new Error(`Dockerfile heredoc ${delimiter} is never closed`);
      heredocs.push(`${body.join('\n')}\n`);
      shell += `\n${body.join('\n')}\n${delimiter}`;
    }
    instructions.push({ keyword, args, shell, heredocs });
  }
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/);
      const platform = words.find((word) => word.startsWith('--platform='))?.slice('--platform='.length);
      const rest = words.filter((word) => !word.startsWith('--'));
      const as = rest.findIndex((word) => word.toUpperCase() === 'AS');
      stages.push({
        image: rest[0] as string,
        platform,
        name: as === -1 ? undefined : rest[as + 1],
        instructions: [],
      });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile has ${instruction.keyword} before any FROM`);
      stage.instructions.push(instruction);
    }
  }
  return stages;
}

export function stageNamed(stages: Stage[], name: string): Stage {
  const stage = stages.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`the Dockerfile has no stage "${name}"`);
  return stage;
}

/** The exec-form (JSON array) arguments of an ENTRYPOINT or CMD. */
export function execForm(stage: Stage, keyword: 'ENTRYPOINT' | 'CMD'): string[] {
  const found = stage.instructions.filter((instruction) => instruction.keyword === keyword);
  if (found.length !== 1) throw new Error(`the stage has ${found.length} ${keyword} instructions, not 1`);
  const parsed = JSON.parse((found[0] as Instruction).args) as unknown;
  if (!Array.isArray(parsed)) throw new Error(`${keyword} is not in exec form`);
  return parsed as string[];
}

/** A COPY's sources, destination and `--from=` stage. */
export function copyOf(instruction: Instruction): {
  from: string | undefined;
  sources: string[];
  dest: string;
} {
  const words = instruction.args.split(/\s+/);
  const from = words.find((word) => word.startsWith('--from='))?.slice('--from='.length);
  const paths = words.filter((word) => !word.startsWith('--'));
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1) as string };
}
