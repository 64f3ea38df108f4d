import { badInput } from './errors.js';

const USER_NAME = /^[A-Za-z0-9_.-]{1,32}$/;

export function validUserName(name: string): string {
  if (!USER_NAME.test(name)) {
    throw badInput('name must be 1-32 letters, digits, "_", "-" or "."', 'name');
  }
  return name;
}

export function validPassword(password: string): string {
  const length = [...password].length;
  if (length < 8 || length > 256) throw badInput('password must be 8-256 characters', 'password');
  return password;
}

export function validRoomName(name: string): string {
  const trimmed = name.trim();
  const length = [...trimmed].length;
  if (length < 1 || length > 100) throw badInput('room name must be 1-100 characters', 'name');
  return trimmed;
}

export function validMaxMembers(maxMembers: number | null | undefined): number {
  if (maxMembers === null || maxMembers === undefined) return 100;
  if (!Number.isInteger(maxMembers) || maxMembers < 2 || maxMembers > 10_000) {
    throw badInput('maxMembers must be from 2 to 10000', 'maxMembers');
  }
  return maxMembers;
}

/** Content is stored trimmed; its length counts code points, as users see characters. */
export function validContent(content: string, maxLength: number): string {
  const trimmed = content.trim();
  const length = [...trimmed].length;
  if (length < 1 || length > maxLength) {
    throw badInput(`content must be 1-${maxLength} characters after trimming`, 'content');
  }
  return trimmed;
}

export function validClientId(clientId: string | null | undefined): string | null {
  if (clientId === null || clientId === undefined) return null;
  if (clientId.length < 1 || clientId.length > 64) {
    throw badInput('clientId must be 1-64 characters', 'clientId');
  }
  return clientId;
}

export function validPageSize(value: number | null | undefined, name: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    throw badInput(`${name} must be from 1 to 100`, name);
  }
  return value;
}

/** IDs are decimal integers; anything else names nothing. */
export function parseId(id: string): number | undefined {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return undefined;
  const value = Number(id);
  return Number.isSafeInteger(value) ? value : undefined;
}
