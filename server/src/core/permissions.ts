/**
 * The permission-code registry. Each module declares its codes when it is built; access reads the
 * registry to validate roles and grants, and the UI lists it. Codes are `<module>.<thing>[.<verb>]`.
 * `scoped` codes make sense on a project/branch/environment; the others only globally.
 */
export interface PermissionDef {
  code: string;
  module: string;
  description: string;
  descriptionZh?: string;
  scoped: boolean;
}

export class PermissionRegistry {
  private readonly defs = new Map<string, PermissionDef>();

  declare(...defs: PermissionDef[]): void {
    for (const d of defs) {
      if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/.test(d.code)) throw new Error(`Bad permission code: ${d.code}`);
      this.defs.set(d.code, d);
    }
  }

  has(code: string): boolean {
    return this.defs.has(code);
  }

  get(code: string): PermissionDef | undefined {
    return this.defs.get(code);
  }

  list(): PermissionDef[] {
    return [...this.defs.values()].sort((a, b) => a.code.localeCompare(b.code));
  }
}
