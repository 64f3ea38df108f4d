/** The signed-in user an operation runs for. */
export interface Viewer {
  id: number;
  name: string;
  isAdmin: boolean;
  /** Token expiry, seconds since the epoch. */
  expiresAt: number;
}

export const now = (): string => new Date().toISOString();
