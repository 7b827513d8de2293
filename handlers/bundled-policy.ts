/**
 * The policy bundled into the Lambda. At package time the esbuild plugin in
 * esbuild.config.js resolves this import (and only this one) to the
 * `policyFile` stage parameter, after validating that file; without the
 * plugin (tests, tsc) it is the shipped default.
 */
import text from '../lib/policy/default-policy.yml';

export default text;
