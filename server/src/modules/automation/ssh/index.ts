// The SSH engine of the automation module: pure (no Gatehouse imports), see README.md.
export type {
  CheckResult,
  ConnectStatus,
  ExecRequest,
  ExecResult,
  ExecStatus,
  InstallKeyResult,
  KeyPair,
  PasswordHop,
  ScriptLanguage,
  SshHop,
} from './ssh.types.js';
export { MAX_HOPS } from './ssh.types.js';
export { runScript, checkConnection } from './ssh-engine.js';
export { installPublicKey } from './key-install.js';
export { generateKeyPair, fingerprintOf, validatePrivateKey } from './ssh-keys.js';
export { INTERPRETER_RULE, resolveInterpreter, shellQuote } from './remote-command.js';
