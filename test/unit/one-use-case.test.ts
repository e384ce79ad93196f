// The edges call one use case each (README, "One use case per edge"): every Lambda handler entry (the
// exported `handler` of functions/handlers) and every `pulse` command (each commander `.action(...)` callback
// of bin/pulse.ts) reaches at most one use case of functions/app. A use case is an exported function of a
// functions/app module that returns a Promise or an async iterable: the work of one request or one job,
// done through the ports. The other exports of functions/app (types, error classes, constants, and the
// synchronous functions that turn the config into settings, build a dependency or compute over data
// already read, such as alertRunOptions, actionLinkMaker or planAndForecast) are not use cases, and an
// edge may call them.
//
// The check is static, with the TypeScript compiler: from each entry it follows every reference (a call,
// or a function handed over as a value), through import aliases and `(await import(...)).name`, into the
// functions of its own folder (bin/ for a command, functions/handlers for a handler), transitively, and
// collects those that resolve to a use case. Two kinds of edge are checked on their own:
// - a handler a command serves on loopback (`pulse archive serve`, `pulse alerts serve`): in AWS the
//   function URL serves it; the command hosts it, and the handler is the edge that calls the use case;
// - each step of `pulse demo`, a function of bin/ tagged `@demoStep`. The demo plays the scheduler: it
//   runs in order, in one process, the jobs AWS runs as separate invocations, each step calling the one
//   use case its job calls. The demo itself reaches use cases through its steps only.
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const HANDLERS = join(ROOT, 'functions/handlers');
const CLI = join(ROOT, 'bin/pulse.ts');

const rel = (file: string) => relative(ROOT, file).split('\\').join('/');
const isEdgeFile = (file: string) => /^(bin|functions\/handlers)\//.test(rel(file));
const isAppFile = (file: string) => /^functions\/app\/[^/]+\.ts$/.test(rel(file));

function program(): ts.Program {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error('tsconfig.json could not be read');
  const handlerFiles = readdirSync(HANDLERS)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(HANDLERS, f));
  // Only the project's own modules matter here: the packages' declarations are read as empty modules, which
  // keeps the check to a few seconds (what a package exports is never a use case).
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    /[\\/]node_modules[\\/]/.test(fileName) && !/[\\/]node_modules[\\/]typescript[\\/]lib[\\/]/.test(fileName)
      ? ts.createSourceFile(fileName, 'export {};', languageVersion)
      : getSourceFile(fileName, languageVersion, ...rest);
  return ts.createProgram({ rootNames: [CLI, ...handlerFiles], options, host });
}

/** The function a declaration defines (a function, a method, or a variable holding an arrow or function expression). */
function functionOf(decl: ts.Declaration): ts.SignatureDeclaration | undefined {
  if (ts.isFunctionDeclaration(decl) || ts.isMethodDeclaration(decl)) return decl;
  if (ts.isArrowFunction(decl) || ts.isFunctionExpression(decl)) return decl;
  if ((ts.isVariableDeclaration(decl) || ts.isPropertyAssignment(decl)) && decl.initializer) {
    const init = decl.initializer;
    if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init;
  }
  return undefined;
}

function isExported(decl: ts.Declaration): boolean {
  const statement = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
  return (
    ts.isSourceFile(statement.parent) &&
    (ts.getCombinedModifierFlags(statement as ts.Declaration) & ts.ModifierFlags.Export) !== 0
  );
}

function returnsPromiseOrAsyncIterable(checker: ts.TypeChecker, fn: ts.SignatureDeclaration): boolean {
  const signature = checker.getSignatureFromDeclaration(fn);
  if (!signature) return false;
  const type = checker.getReturnTypeOfSignature(signature);
  const parts = type.isUnion() ? type.types : [type];
  return parts.some(
    (t) => t.getProperty('then') !== undefined || t.getProperties().some((p) => p.name.startsWith('__@asyncIterator')),
  );
}

interface EdgeUseCases {
  edge: string;
  useCases: string[];
}

/** What each edge reaches of functions/app's use cases. */
function useCasesPerEdge(): EdgeUseCases[] {
  const prog = program();
  const checker = prog.getTypeChecker();
  const resolveSymbol = (node: ts.Node): ts.Symbol | undefined => {
    const symbol = checker.getSymbolAtLocation(node);
    if (!symbol) return undefined;
    return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  };
  /** The declarations a name stands for; `const { f } = await import('...')` stands for the module's `f`. */
  const declarationsOf = (node: ts.Node): ts.Declaration[] =>
    (resolveSymbol(node)?.declarations ?? []).flatMap((decl) => {
      if (!ts.isBindingElement(decl) || !ts.isObjectBindingPattern(decl.parent)) return [decl];
      const property = checker.getTypeAtLocation(decl.parent).getProperty((decl.propertyName ?? decl.name).getText());
      return property?.declarations ?? [decl];
    });
  const isAsyncIterable = (fn: ts.SignatureDeclaration) => returnsPromiseOrAsyncIterable(checker, fn);
  const useCaseName = (decl: ts.Declaration): string | undefined => {
    const file = decl.getSourceFile().fileName;
    if (!isAppFile(file) || !isExported(decl)) return undefined;
    const fn = functionOf(decl);
    if (!fn || !isAsyncIterable(fn)) return undefined;
    return `${rel(file).replace(/^functions\//, '')}#${ts.getNameOfDeclaration(decl)?.getText()}`;
  };

  const nameOf = (fn: ts.Node) => {
    const decl = ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) ? fn.parent : fn;
    const name = ts.getNameOfDeclaration(decl as ts.Declaration)?.getText() ?? '(anonymous)';
    return `${rel(fn.getSourceFile().fileName)}#${name}`;
  };
  const isDemoStep = (fn: ts.Node) => {
    const decl = ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) ? fn.parent : fn;
    return ts.getJSDocTags(decl).some((t) => t.tagName.text === 'demoStep');
  };

  /**
   * The use cases reached from `start`, following the functions it names in its own tree (bin/ for a
   * command, functions/handlers for a handler). A handler a command serves on loopback is collected in
   * `hosted` (it is checked as an edge of its own); so is, for the demo, a function tagged `@demoStep`.
   */
  const reached = (start: ts.Node, o: { demo?: boolean } = {}) => {
    const tree = rel(start.getSourceFile().fileName).startsWith('bin/') ? 'bin/' : 'functions/handlers/';
    const useCases = new Set<string>();
    const hosted = new Set<ts.SignatureDeclaration>();
    const steps = new Set<ts.SignatureDeclaration>();
    const seen = new Set<ts.Node>();
    const queue: ts.Node[] = [start];
    while (queue.length) {
      const node = queue.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      const visit = (n: ts.Node): void => {
        if (ts.isImportDeclaration(n) || ts.isTypeNode(n)) return;
        if (ts.isIdentifier(n)) {
          for (const decl of declarationsOf(n)) {
            const useCase = useCaseName(decl);
            const fn = functionOf(decl);
            const file = rel(decl.getSourceFile().fileName);
            if (useCase) useCases.add(useCase);
            else if (!fn || fn === node || !isEdgeFile(decl.getSourceFile().fileName)) continue;
            else if (!file.startsWith(tree)) hosted.add(fn);
            else if (o.demo && isDemoStep(fn)) steps.add(fn);
            else queue.push(fn);
          }
        }
        ts.forEachChild(n, visit);
      };
      ts.forEachChild(node, visit);
    }
    return { useCases: [...useCases].sort(), hosted, steps };
  };

  const edges: EdgeUseCases[] = [];
  for (const file of prog.getSourceFiles()) {
    if (!rel(file.fileName).startsWith('functions/handlers/')) continue;
    for (const statement of file.statements) {
      const decls = ts.isVariableStatement(statement) ? statement.declarationList.declarations : [statement];
      for (const decl of decls) {
        if (!ts.isFunctionDeclaration(decl) && !ts.isVariableDeclaration(decl)) continue;
        if (decl.name?.getText() !== 'handler' || !isExported(decl)) continue;
        edges.push({ edge: `${rel(file.fileName)} handler`, useCases: reached(decl).useCases });
      }
    }
  }
  const cli = prog.getSourceFile(CLI)!;
  const hosted = new Set<ts.SignatureDeclaration>();
  const visitCli = (n: ts.Node): void => {
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      n.expression.name.text === 'action' &&
      n.arguments[0]
    ) {
      const command = commandName(n.expression.expression, cli);
      const demo = command.startsWith('pulse demo ');
      const found = reached(n.arguments[0], { demo });
      edges.push({ edge: command, useCases: found.useCases });
      for (const fn of found.hosted) hosted.add(fn);
      // The demo plays the scheduler: each step is the local run of one job or endpoint, an edge of its own.
      for (const step of found.steps) {
        const inStep = reached(step);
        edges.push({ edge: `pulse demo step ${nameOf(step)}`, useCases: inStep.useCases });
        for (const fn of inStep.hosted) hosted.add(fn);
      }
    }
    ts.forEachChild(n, visitCli);
  };
  visitCli(cli);
  // A handler the CLI serves on loopback (`pulse archive serve`, `pulse alerts serve`) is the edge there.
  for (const fn of hosted) edges.push({ edge: `${nameOf(fn)} (served by the CLI)`, useCases: reached(fn).useCases });
  return edges;
}

/** `pulse alerts run` from the chain `alerts.command('run')....action(...)`. */
function commandName(chain: ts.Expression, file: ts.SourceFile): string {
  let name: string | undefined;
  let e: ts.Expression = chain;
  while (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
    const arg = e.arguments[0];
    if (e.expression.name.text === 'command' && arg && ts.isStringLiteral(arg)) name = arg.text.split(' ')[0];
    e = e.expression.expression;
  }
  const parent = ts.isIdentifier(e) && e.text !== 'program' ? `${e.text} ` : '';
  const { line } = file.getLineAndCharacterOfPosition(chain.getStart());
  return `pulse ${parent}${name ?? '?'} (bin/pulse.ts:${line + 1})`;
}

describe('architecture: one use case per edge', () => {
  it('has every handler and every command call at most one use case of functions/app', () => {
    const edges = useCasesPerEdge();
    // The check would pass vacuously if it found no edges or no use cases: it must see them all.
    expect(edges.filter((e) => e.edge.startsWith('functions/handlers/')).length).toBeGreaterThanOrEqual(6);
    expect(edges.filter((e) => e.edge.startsWith('pulse ')).length).toBeGreaterThanOrEqual(25);
    expect(new Set(edges.flatMap((e) => e.useCases)).size).toBeGreaterThanOrEqual(15);
    // The demo plays the scheduler: it reaches use cases through its steps only, one each.
    expect(edges.filter((e) => e.edge.startsWith('pulse demo step ')).length).toBeGreaterThanOrEqual(6);
    expect(edges.find((e) => e.edge.startsWith('pulse demo ('))?.useCases).toEqual([]);
    const offending = edges
      .filter((e) => e.useCases.length > 1)
      .map((e) => `${e.edge} calls ${e.useCases.length} use cases: ${e.useCases.join(', ')}`);
    expect(offending, `edges calling more than one use case:\n${offending.join('\n')}`).toEqual([]);
  });
});
