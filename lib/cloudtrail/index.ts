/** CloudTrail input: read every shape a user may hold, normalise each record to a `Change`. */
export { readInputs, readAll, INPUT_FILE, type InputItem, type ReadOptions } from './read';
export { normalise, isoTime, callError, SECURITY_GROUP_EVENTS, UNKNOWN_PROTOCOL } from './normalise';
export { readActor, detectVia, roleArnFromSession } from './actor';
export { expand, looksLikeRecord, NOT_A_KNOWN_SHAPE, type Expanded } from './formats';
