import { z } from 'zod';

// Input shapes shared by several operations. Limits are generous for real data and tight enough
// that a malformed or hostile call cannot store megabytes in a name.
export const idSchema = z.number().int().positive();
export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'ожидается дата в формате ГГГГ-ММ-ДД')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, 'такой даты не существует');
export const jurisdictionSchema = z.enum(['RU', 'KZ']);
export type Jurisdiction = z.infer<typeof jurisdictionSchema>;
export const loginSchema = z
  .string()
  .trim()
  .min(2)
  .max(64)
  .regex(/^[\p{L}\p{N}._-]+$/u, 'логин: буквы, цифры, точка, дефис, подчёркивание');
export const passwordSchema = z.string().min(8, 'пароль не короче 8 символов').max(1024);
export const personNameSchema = z.string().trim().min(1, 'укажите ФИО').max(300);
export const shortText = z.string().trim().max(500);
export const longText = z.string().trim().max(10_000);
export const operatorSchema = z.object({
  name: z.string().trim().min(1, 'укажите наименование оператора').max(500),
  address: z.string().trim().min(1, 'укажите адрес оператора').max(1000),
  taxId: z
    .string()
    .trim()
    .regex(/^\d{10}(\d{2})?$|^\d{12}$/, 'ИНН (10 или 12 цифр) или БИН (12 цифр)'),
  ogrn: z
    .string()
    .trim()
    .regex(/^\d{13}(\d{2})?$/, 'ОГРН: 13 или 15 цифр')
    .optional(),
});
export type OperatorDetails = z.infer<typeof operatorSchema>;
export const personSourceSchema = z.enum(['website_form', 'callback', 'appointment', 'walk_in', 'phone_call', 'import', 'other']);
