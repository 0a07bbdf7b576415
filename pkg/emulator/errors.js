/**
 * Error answers of the emulated EKS Auth endpoint.
 *
 * Modeled errors are the ones in the `eks-auth` service model (each carries only `message`);
 * authentication errors come from the AWS front end in front of every SigV4 service and are
 * all HTTP 403. Both travel as restJson1 errors: the type in `x-amzn-ErrorType`, the body
 * `{"message": ...}`.
 */

/** HTTP status of each modeled error, in service-model order. */
export const MODELED_ERRORS = Object.freeze({
  AccessDeniedException: 400,
  ExpiredTokenException: 400,
  InvalidParameterException: 400,
  InvalidRequestException: 400,
  InvalidTokenException: 400,
  ResourceNotFoundException: 404,
  ThrottlingException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
});

/** Messages used when a modeled error is forced by fault injection rather than earned. */
export const DEFAULT_ERROR_MESSAGES = Object.freeze({
  AccessDeniedException: 'The caller is not authorized to perform: eks-auth:AssumeRoleForPodIdentity.',
  ExpiredTokenException: 'The specified Kubernetes service account token has expired.',
  InvalidParameterException: 'The specified parameter is invalid.',
  InvalidRequestException: 'The request is invalid.',
  InvalidTokenException: 'The specified Kubernetes service account token is invalid.',
  ResourceNotFoundException: 'The specified resource could not be found.',
  ThrottlingException: 'Rate exceeded',
  InternalServerException: 'An internal error occurred. Try again later.',
  ServiceUnavailableException: 'The service is unavailable. Try again later.',
});

/** Authentication-layer messages, byte-for-byte as AWS sends them. */
export const AUTH_MESSAGES = Object.freeze({
  missingAuthenticationToken: 'Missing Authentication Token',
  unrecognizedClient: 'The security token included in the request is invalid.',
});

/**
 * An error answer: HTTP status, the error type for `x-amzn-ErrorType`, the wire message, and
 * an internal `reason` for logs. The reason never carries a token or secret, unlike the message
 * of a signature mismatch, which echoes the caller's session token (as AWS does).
 */
export class ServiceError extends Error {
  /**
   * @param {string} type error type, e.g. `InvalidTokenException`
   * @param {string} message wire message
   * @param {{ status?: number, reason?: string }} [options]
   */
  constructor(type, message, { status, reason } = {}) {
    super(message);
    this.name = 'ServiceError';
    this.type = type;
    this.status = status ?? MODELED_ERRORS[type] ?? 400;
    this.reason = reason ?? type;
  }
}

/** A modeled error with its model status. */
export function modeledError(type, message = DEFAULT_ERROR_MESSAGES[type], reason) {
  if (!(type in MODELED_ERRORS)) throw new TypeError(`not a modeled EKS Auth error: ${type}`);
  return new ServiceError(type, message, { status: MODELED_ERRORS[type], reason });
}

/** An authentication error: always 403, as the AWS front end answers. */
export function authError(type, message, reason) {
  return new ServiceError(type, message, { status: 403, reason });
}
