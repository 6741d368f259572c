import { Joi, messageId, opaqueId, text } from './common.js';

export interface AnonLoginInput { name: string }
export interface RefreshInput { token: string }
export interface RoomRef { room_id: string }
export interface SendInput extends RoomRef { content: string; client_msg_id: string }
export interface ListInput extends RoomRef { page_size: number; page_index: number; before?: string }
export interface JoinRoomInput extends RoomRef { after?: string }
export interface TypingInput extends RoomRef { typing: boolean }

export const anonLogin = Joi.object<AnonLoginInput>({ name: text(1, 32).required() });

export const refresh = Joi.object<RefreshInput>({
  token: Joi.string().trim().min(1).max(4096).required().messages({ 'string.empty': '{{#label}} must not be empty' }),
});

export const none = Joi.object({});

export const roomRef = Joi.object<RoomRef>({ room_id: opaqueId().required() });

export const send = Joi.object<SendInput>({
  room_id: opaqueId().required(),
  content: text(1, 2000, { multiline: true }).required(),
  client_msg_id: Joi.string().min(1).max(64).pattern(/^[\x21-\x7e]+$/).required().messages({
    'string.pattern.base': '{{#label}} must be printable ASCII without spaces (a UUID is ideal)',
  }),
});

export const list = Joi.object<ListInput>({
  room_id: opaqueId().required(),
  page_size: Joi.number().integer().min(1).max(100).default(20),
  page_index: Joi.number().integer().min(1).max(1_000_000).default(1),
  before: messageId(),
});

export const joinRoom = Joi.object<JoinRoomInput>({ room_id: opaqueId().required(), after: messageId() });

export const typing = Joi.object<TypingInput>({ room_id: opaqueId().required(), typing: Joi.boolean().required() });
