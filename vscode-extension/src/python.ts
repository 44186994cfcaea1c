import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';

/** The Python extension's id; its API is used defensively (it may be absent or change shape). */
const PYTHON_EXTENSION_ID = 'ms-python.python';
const ACTIVATION_TIMEOUT_MS = 15_000;

export interface PythonCommand {
  /** The interpreter executable (or command name looked up on PATH). */
  readonly executable: string;
  /** Where it came from, for messages. */
  readonly source: 'setting' | 'python extension' | 'default';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

function method(value: unknown, key: string): ((...args: unknown[]) => unknown) | undefined {
  const f = field(value, key);
  return typeof f === 'function' ? (f as (...args: unknown[]) => unknown).bind(value) : undefined;
}

function withTimeout<T>(promise: Thenable<T>, ms: number): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    Promise.resolve(promise).then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}

function expandVariables(value: string, resource: vscode.Uri | undefined): string {
  const folder =
    (resource && vscode.workspace.getWorkspaceFolder(resource)) ?? vscode.workspace.workspaceFolders?.[0];
  let result = value;
  if (folder) {
    result = result.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath);
  }
  result = result.replace(/\$\{userHome\}/g, os.homedir());
  if (result === '~' || result.startsWith('~/') || result.startsWith('~\\')) {
    result = path.join(os.homedir(), result.slice(1));
  }
  if (folder && !path.isAbsolute(result) && (result.includes('/') || result.includes('\\'))) {
    result = path.join(folder.uri.fsPath, result);
  }
  return result;
}

async function pythonExtensionApi(): Promise<unknown> {
  const ext = vscode.extensions.getExtension<unknown>(PYTHON_EXTENSION_ID);
  if (!ext) {
    return undefined;
  }
  if (ext.isActive) {
    return ext.exports;
  }
  return withTimeout(ext.activate(), ACTIVATION_TIMEOUT_MS);
}

/** The interpreter selected in the Python extension for `resource`, if any. */
async function pythonFromExtension(resource: vscode.Uri | undefined): Promise<string | undefined> {
  let api: unknown;
  try {
    api = await pythonExtensionApi();
  } catch {
    return undefined;
  }
  if (!api) {
    return undefined;
  }
  // Current API: api.environments.getActiveEnvironmentPath / resolveEnvironment.
  const environments = field(api, 'environments');
  const getActive = method(environments, 'getActiveEnvironmentPath');
  if (getActive) {
    try {
      const envPath = getActive(resource);
      const resolve = method(environments, 'resolveEnvironment');
      if (resolve) {
        const resolved = await withTimeout(Promise.resolve(resolve(envPath)), ACTIVATION_TIMEOUT_MS);
        const fsPath = field(field(field(resolved, 'executable'), 'uri'), 'fsPath');
        if (typeof fsPath === 'string' && fsPath) {
          return fsPath;
        }
      }
      const p = field(envPath, 'path');
      if (typeof p === 'string' && p) {
        return p;
      }
    } catch {
      // fall through to the legacy API
    }
  }
  // Legacy API: api.settings.getExecutionDetails(resource).execCommand
  const getDetails = method(field(api, 'settings'), 'getExecutionDetails');
  if (getDetails) {
    try {
      const cmd = field(getDetails(resource), 'execCommand');
      if (Array.isArray(cmd) && typeof cmd[0] === 'string' && cmd[0]) {
        return cmd[0];
      }
    } catch {
      // ignore
    }
  }
  return undefined;
}

/**
 * Chooses the interpreter: the `journey.server.pythonPath` setting, else the Python extension's
 * selected interpreter, else `python3` (`python` on Windows).
 */
export async function resolvePython(resource: vscode.Uri | undefined): Promise<PythonCommand> {
  const configured = vscode.workspace
    .getConfiguration('journey', resource)
    .get<string>('server.pythonPath', '')
    .trim();
  if (configured) {
    return { executable: expandVariables(configured, resource), source: 'setting' };
  }
  const fromExtension = await pythonFromExtension(resource);
  if (fromExtension) {
    return { executable: fromExtension, source: 'python extension' };
  }
  return { executable: process.platform === 'win32' ? 'python' : 'python3', source: 'default' };
}

/** Calls `listener` when the Python extension's selected interpreter changes. */
export async function onDidChangePythonInterpreter(listener: () => void): Promise<vscode.Disposable | undefined> {
  let api: unknown;
  try {
    api = await pythonExtensionApi();
  } catch {
    return undefined;
  }
  const environments = field(api, 'environments');
  const subscribe = field(environments, 'onDidChangeActiveEnvironmentPath');
  if (typeof subscribe === 'function') {
    try {
      const d = (subscribe as (l: () => void) => unknown).call(environments, listener);
      if (isRecord(d) && typeof d['dispose'] === 'function') {
        return d as unknown as vscode.Disposable;
      }
    } catch {
      return undefined;
    }
  }
  return undefined;
}

// The project is not on PyPI: install it from its repository (or from a wheel built there with
// `pip wheel . -w dist`), with the language server's extra.
export const INSTALL_HINT =
  "in the jexpr repository: <python> -m pip install -e '.[lsp]', or <python> -m pip install 'dist/jexpr-<version>-py3-none-any.whl[lsp]' for a wheel built with pip wheel . -w dist";
