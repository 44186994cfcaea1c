import * as vscode from 'vscode';
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { TEMPLATE_PATTERN } from './preview';
import { INSTALL_HINT, onDidChangePythonInterpreter, resolvePython } from './python';

const CLIENT_ID = 'journey'; // vscode-languageclient reads `journey.trace.server` from this id
const CLIENT_NAME = 'Journey Language Server';

/** Owns the LanguageClient that runs `<python> -m jengine lsp` over stdio. */
export class JourneyLanguageServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly outputChannel = vscode.window.createOutputChannel(CLIENT_NAME);
  private readonly traceChannel = vscode.window.createOutputChannel(`${CLIENT_NAME} Trace`);
  private readonly disposables: vscode.Disposable[] = [];
  private pending: Promise<void> = Promise.resolve();

  constructor() {
    this.disposables.push(
      this.outputChannel,
      this.traceChannel,
      vscode.commands.registerCommand('journey.restartServer', () => this.restart()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('journey.server') || e.affectsConfiguration('journey.workspaces')) {
          void this.restart();
        }
      }),
    );
    void onDidChangePythonInterpreter(() => {
      const configured = vscode.workspace.getConfiguration('journey').get<string>('server.pythonPath', '');
      if (!configured.trim()) {
        void this.restart();
      }
    }).then((d) => {
      if (d) {
        this.disposables.push(d);
      }
    });
  }

  /** Starts the server; failures are reported as a notification, never thrown. */
  start(): Promise<void> {
    return this.serialize(() => this.doStart());
  }

  /** The running client (undefined while stopped or failed). */
  get languageClient(): LanguageClient | undefined {
    return this.client;
  }

  stop(): Promise<void> {
    return this.serialize(() => this.doStop());
  }

  restart(): Promise<void> {
    return this.serialize(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  dispose(): void {
    void this.stop();
    for (const d of this.disposables.splice(0)) {
      d.dispose();
    }
  }

  /** Runs start/stop/restart one at a time. */
  private serialize(task: () => Promise<void>): Promise<void> {
    const next = this.pending.then(task, task);
    this.pending = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const python = await resolvePython(folder?.uri);
    const extraArgs = vscode.workspace
      .getConfiguration('journey', folder?.uri)
      .get<string[]>('server.args', [])
      .filter((a): a is string => typeof a === 'string');
    const args = ['-m', 'jengine', 'lsp', ...extraArgs];

    const serverOptions: ServerOptions = {
      command: python.executable,
      args,
      transport: TransportKind.stdio,
      options: { cwd: folder?.uri.fsPath, env: { ...process.env, PYTHONUNBUFFERED: '1' } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'journey' },
        { scheme: 'untitled', language: 'journey' },
        // message templates: checked against the journeys that use them, previewed
        { scheme: 'file', pattern: TEMPLATE_PATTERN },
      ],
      synchronize: {
        // journeys.toml: a workspace appeared, vanished or changed its settings
        fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.journey,journeys.toml}'),
      },
      // journey.workspaces: the folders analysed as workspaces (empty: the server discovers them)
      initializationOptions: {
        workspaces: vscode.workspace.getConfiguration('journey').get<string[]>('workspaces', []),
      },
      outputChannel: this.outputChannel,
      traceOutputChannel: this.traceChannel,
    };

    this.outputChannel.appendLine(
      `Starting: ${python.executable} ${args.join(' ')} (interpreter from ${python.source})`,
    );
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    this.client = client;
    try {
      await client.start();
    } catch (err) {
      this.client = undefined;
      try {
        if (client.state !== State.Stopped) {
          await client.stop();
        }
      } catch {
        // already gone
      }
      const message = err instanceof Error ? err.message : String(err);
      this.outputChannel.appendLine(`Failed to start: ${message}`);
      void this.reportStartFailure(python.executable, message);
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) {
      return;
    }
    try {
      if (client.state !== State.Stopped) {
        await client.stop();
      }
    } catch (err) {
      this.outputChannel.appendLine(`Error while stopping: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async reportStartFailure(executable: string, message: string): Promise<void> {
    const openSettings = 'Open Settings';
    const showOutput = 'Show Output';
    const choice = await vscode.window.showErrorMessage(
      `Journey language server could not start with "${executable}": ${message}. ` +
        `Install the server in that interpreter (${INSTALL_HINT}) or set journey.server.pythonPath.`,
      openSettings,
      showOutput,
    );
    if (choice === openSettings) {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'journey.server');
    } else if (choice === showOutput) {
      this.outputChannel.show(true);
    }
  }
}
