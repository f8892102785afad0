/** The campaign rules, templates and triggers (pure). */
export * from './control';
export * from './decide';
export * from './render';
export * from './time';
export * from './triggers';
