/** The server's password policy (seed 004), mirrored for live feedback; the server decides. */
export function passwordChecks(p: string) {
  return [
    { key: 'length', ok: p.length >= 8 },
    { key: 'upper', ok: /[A-Z]/.test(p) },
    { key: 'lower', ok: /[a-z]/.test(p) },
    { key: 'digit', ok: /[0-9]/.test(p) },
    { key: 'special', ok: /[^A-Za-z0-9]/.test(p) },
  ] as const;
}

export const passwordOk = (p: string): boolean => passwordChecks(p).every((r) => r.ok);
