export interface RoleRow {
  id: number;
  name: string;
  display_name: string;
  description: string;
  permissions: string;
  builtin: number;
  created_at: string;
  updated_at: string;
}

export interface GrantRow {
  id: number;
  subject_type: 'user' | 'group';
  subject_id: number;
  role_id: number | null;
  permission: string | null;
  project: string;
  branch: string;
  environment: string;
  template_id: number | null;
  granted_by: number | null;
  granted_at: string;
}

export interface TemplateRow {
  id: number;
  name: string;
  description: string;
  grants: string;
  created_by: number | null;
  created_at: string;
  updated_at: string;
}

export interface AccessTables {
  access_roles: RoleRow;
  access_grants: GrantRow;
  access_templates: TemplateRow;
}

export interface Role {
  id: number;
  name: string;
  displayName: string;
  description: string;
  permissions: string[];
  builtin: boolean;
}

export interface Scope {
  project: string;
  branch: string;
  environment: string;
}

/** One grant as written in a template or a request: a role or a single permission on a scope. */
export interface GrantSpec extends Scope {
  role?: string;
  permission?: string;
}

export interface Grant extends Scope {
  id: number;
  subjectType: 'user' | 'group';
  subjectId: number;
  subjectName: string | null;
  role: string | null;
  permission: string | null;
  templateId: number | null;
  grantedBy: number | null;
  grantedAt: string;
}

export interface Template {
  id: number;
  name: string;
  description: string;
  grants: GrantSpec[];
  createdAt: string;
  updatedAt: string;
}

export const toRole = (r: RoleRow): Role => ({
  id: r.id,
  name: r.name,
  displayName: r.display_name,
  description: r.description,
  permissions: JSON.parse(r.permissions) as string[],
  builtin: r.builtin === 1,
});

export const toTemplate = (r: TemplateRow): Template => ({
  id: r.id,
  name: r.name,
  description: r.description,
  grants: JSON.parse(r.grants) as GrantSpec[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
