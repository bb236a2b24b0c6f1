// node-redis `createClient` options, v4 to the current major (`legacyMode` and `isolationPoolOptions` are v4's):
// the engine passes them on to the client it creates, which ignores what it does not know.

/** The names of node-redis `createClient` options. */
export const NODE_REDIS_CLIENT_OPTIONS = [
  'url',
  'socket',
  'username',
  'password',
  'credentialsProvider',
  'name',
  'database',
  'modules',
  'scripts',
  'functions',
  'keyPrefix',
  'commandsQueueMaxLength',
  'disableOfflineQueue',
  'readonly',
  'pingInterval',
  'disableClientInfo',
  'clientInfoTag',
  'clientSideCache',
  'commandOptions',
  'emitInvalidate',
  'himportRegistry',
  'maintEndpointType',
  'maintNotifications',
  'maintRelaxedCommandTimeout',
  'maintRelaxedSocketTimeout',
  'RESP',
  'legacyMode',
  'isolationPoolOptions'
] as const
