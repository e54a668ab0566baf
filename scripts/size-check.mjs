#!/usr/bin/env node
// Size check for src/: no function over MAX_FUNCTION_LINES lines and no file over MAX_FILE_LINES lines
// (STYLE.md 15, issue #15). Measured on the TypeScript AST, so a function's lines run from its first
// token to its closing brace, comments inside included; a nested function counts toward its parent too.
// Run from the repository root: `node scripts/size-check.mjs` (part of `npm test`'s lint stage).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const MAX_FUNCTION_LINES = 80;
const MAX_FILE_LINES = 400;

// Each entry needs a written reason; the goal is an empty list.
const ALLOWED = [];

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.isFile() && path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

function propertyName(name) {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  return name.getText();
}

function enclosingClassName(node) {
  for (let at = node.parent; at; at = at.parent) {
    if (ts.isClassLike(at)) return at.name?.text ?? '<class>';
  }
  return undefined;
}

/** The name a reader would search for: `fn`, `Class.method`, or the variable/property an arrow is bound to. */
function functionName(node) {
  if (ts.isFunctionDeclaration(node)) return node.name?.text ?? '<default>';
  if (ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) {
    const owner = enclosingClassName(node);
    const name = propertyName(node.name);
    return owner ? `${owner}.${name}` : name;
  }
  if (ts.isConstructorDeclaration(node)) return `${enclosingClassName(node)}.constructor`;
  const parent = node.parent;
  if (
    ts.isVariableDeclaration(parent) ||
    ts.isPropertyAssignment(parent) ||
    ts.isPropertyDeclaration(parent)
  ) {
    return propertyName(parent.name);
  }
  if (ts.isFunctionExpression(node) && node.name) return node.name.text;
  return '<anonymous>';
}

function isFunctionLike(node) {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessor(node) ||
    ts.isSetAccessor(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node)
  );
}

function lineOf(source, pos) {
  return source.getLineAndCharacterOfPosition(pos).line + 1;
}

/** Every function-like node in one file with its length in lines. */
function measureFunctions(source) {
  const found = [];
  const visit = (node) => {
    if (isFunctionLike(node) && node.body) {
      const start = lineOf(source, node.getStart(source));
      const lines = lineOf(source, node.end) - start + 1;
      found.push({ name: functionName(node), line: start, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Pure: everything in one file's text over its limit, as `{ name, line, lines, max }` (`<file>` for the file). */
function oversized(file, text) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const fileLines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
  const found = measureFunctions(source)
    .filter((fn) => fn.lines > MAX_FUNCTION_LINES)
    .map((fn) => ({ ...fn, max: MAX_FUNCTION_LINES }));
  if (fileLines > MAX_FILE_LINES)
    found.unshift({ name: '<file>', line: 1, lines: fileLines, max: MAX_FILE_LINES });
  return found;
}

/** Pure: problems for the files given as path -> text, against the allowlist. */
function check(files) {
  const problems = [];
  const used = new Set();
  for (const [file, text] of files) {
    for (const item of oversized(file, text)) {
      const entry = ALLOWED.find((allowed) => allowed.file === file && allowed.name === item.name);
      if (entry) used.add(entry);
      else problems.push(`${file}:${item.line}: ${item.name} is ${item.lines} lines (max ${item.max})`);
    }
  }
  // An entry for a file that is here but no longer too long is stale: the list only shrinks.
  for (const entry of ALLOWED) {
    if (files.has(entry.file) && !used.has(entry)) {
      problems.push(
        `${entry.file}: ${entry.name} is allowlisted in scripts/size-check.mjs but within limits`,
      );
    }
  }
  return problems;
}

function main() {
  const root = process.cwd();
  const files = new Map(
    sourceFiles(join(root, 'src')).map((path) => [relative(root, path), readFileSync(path, 'utf8')]),
  );
  const problems = check(files);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    console.error(
      `size-check: ${problems.length} problem(s); split by job (decide apart from do), see STYLE.md`,
    );
    process.exit(1);
  }
  console.log(
    `size-check: ${files.size} files within ${MAX_FUNCTION_LINES}-line functions, ${MAX_FILE_LINES}-line files`,
  );
}

main();
