import { checkIdentifier } from '@ipbro/identifiers';
import { errorIssue, issue } from '@ipbro/outcome';
import type { NodeVisitor } from './resource-walker';

const NAMES: Record<string, string> = {
  'urn:oid:2.16.578.1.12.4.1.4.1': 'fødselsnummer',
  'urn:oid:2.16.578.1.12.4.1.4.2': 'D-nummer',
  'urn:oid:2.16.578.1.12.4.1.4.3': 'FH-nummer',
  'urn:oid:2.16.578.1.12.4.1.4.4': 'HPR-nummer',
  'urn:oid:2.16.578.1.12.4.1.4.101': 'organisasjonsnummer',
  'urn:oid:2.16.578.1.12.4.1.2': 'HER-id',
  'urn:oid:2.16.578.1.12.4.1.1.3402': 'kommunenummer',
};

/** An OID as a URI: digits and dots only (what a FHIR validator demands of `urn:oid:`). */
const OID_URI = /^urn:oid:[0-2](\.(0|[1-9]\d*))+$/;

/**
 * Every national identifier (Identifier, and the kommunenummer Coding) must be valid for its system.
 * An Identifier.system in `urn:oid:` that is no OID (the former `…4.1.4.101/{orgnr}/ip`) is read, with a warning.
 */
export const identifierCheck: NodeVisitor = (node, ctx, issues) => {
  const isIdentifier = ctx.key === 'identifier' || ctx.key === 'valueIdentifier';
  const isKommune = ctx.key === 'valueCoding' && node.system === 'urn:oid:2.16.578.1.12.4.1.1.3402';
  if (!isIdentifier && !isKommune) return;
  const system = typeof node.system === 'string' ? node.system : undefined;
  const raw = isKommune ? node.code : node.value;
  const result = checkIdentifier(system, typeof raw === 'string' ? raw : undefined);
  if (result && !result.ok) {
    const name = NAMES[system as string] ?? system;
    issues.push(
      errorIssue(
        'value',
        `Invalid ${name} ${JSON.stringify(raw)}: ${result.message} (rule ${result.rule})`,
        `${ctx.expression}.${isKommune ? 'code' : 'value'}`
      )
    );
  } else if (result === undefined && isIdentifier && system?.startsWith('urn:oid:') && !OID_URI.test(system)) {
    const text =
      `Identifier.system ${JSON.stringify(system)} is not a valid URI (an urn:oid: holds digits and dots only); ` +
      "an organisation's own identifiers use http://ipbro.no/fhir/sid/org/{organisasjonsnummer}/{kind}";
    issues.push(issue('warning', 'value', text, `${ctx.expression}.system`));
  }
};
