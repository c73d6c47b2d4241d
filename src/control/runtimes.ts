/**
 * Runtime identifiers as the Lambda API knows them (the order AWS prints them in its
 * "enum value set" message), and which of them AWS still lets you create or update.
 */
export const ALL_RUNTIMES = [
  'nodejs', 'nodejs4.3', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x',
  'java8', 'java8.al2', 'java11', 'python2.7', 'python3.6', 'python3.7', 'python3.8', 'python3.9',
  'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'dotnet6', 'dotnet8', 'nodejs4.3-edge',
  'go1.x', 'ruby2.5', 'ruby2.7', 'provided', 'provided.al2', 'nodejs18.x', 'python3.10', 'java17', 'ruby3.2',
  'ruby3.3', 'ruby3.4', 'python3.11', 'nodejs20.x', 'provided.al2023', 'python3.12', 'java21', 'python3.13',
  'nodejs22.x', 'nodejs24.x', 'python3.14', 'java25', 'dotnet10', 'ruby4.0',
] as const;

/** Runtimes AWS blocks for create/update after deprecation. */
export const DEPRECATED_RUNTIMES = new Set<string>([
  'nodejs', 'nodejs4.3', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'java8',
  'python2.7', 'python3.6', 'python3.7', 'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1',
  'nodejs4.3-edge', 'go1.x', 'ruby2.5', 'ruby2.7', 'provided',
]);

export const isKnownRuntime = (id: string): boolean => (ALL_RUNTIMES as readonly string[]).includes(id);

/** Family of a runtime id: how an environment for it is started. */
export type RuntimeFamily = 'nodejs' | 'python' | 'provided' | 'go' | 'java' | 'dotnet' | 'ruby';

export function runtimeFamily(id: string): RuntimeFamily {
  if (id.startsWith('nodejs')) return 'nodejs';
  if (id.startsWith('python')) return 'python';
  if (id.startsWith('provided')) return 'provided';
  if (id === 'go1.x') return 'go';
  if (id.startsWith('java')) return 'java';
  if (id.startsWith('dotnet')) return 'dotnet';
  return 'ruby';
}
