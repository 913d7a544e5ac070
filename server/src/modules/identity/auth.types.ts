import type { RequestMeta } from '../../core/http/principal.js';
import type { User } from './identity.types.js';

export interface LoginInput {
  username: string;
  password?: string;
  encryptedPassword?: string;
  otp?: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

export interface LoginUser extends User {
  mustEnrollMfa: boolean;
  passwordExpired: boolean;
}

export interface LoginResult extends TokenPair {
  user: LoginUser;
}

export type Meta = RequestMeta;
