// Admin routes of fg-salesforce-config: "Test connection" for the dialog's values (sign in, read the identity, call the
// REST API at the configured version) and the editor pickers (objects from describeGlobal, fields from describe) through
// the deployed config node's session, cached per session for a few minutes. A field list is only asked for an object
// the org has: a partial name typed in the dialog never reaches Salesforce.
import type { Connection, DescribeGlobalResult, DescribeSObjectResult, IdentityInfo } from 'jsforce';
import { SalesforceSession } from '../../lib/salesforce/connection';
import { readSettings } from '../../lib/settings';
import { PickerCache, registerConnectionTest, registerOnce, Request, Response } from '../shared/admin-routes';
import type { RED } from '../shared/kit';
import type { SalesforceConfigNode } from './config-node';
import { SALESFORCE_CONFIG_SETTINGS, SALESFORCE_CREDENTIALS, salesforceSessionConfig } from './settings';

interface ObjectInfo { name: string; label: string }
interface FieldInfo { name: string; label: string; type: string; externalId: boolean; required: boolean }

const pickers = new PickerCache();

async function objectsOf(session: SalesforceSession): Promise<ObjectInfo[]> {
  return pickers.get(session, 'sobjects', async () => {
    const global = await session.call((c: Connection): Promise<DescribeGlobalResult> => c.describeGlobal());
    return global.sobjects.map((s) => ({ name: String(s.name), label: String(s.label) }));
  });
}

async function fieldsOf(session: SalesforceSession, object: string): Promise<FieldInfo[]> {
  return pickers.get(session, `fields:${object}`, async () => {
    const described = await session.call((c: Connection): Promise<DescribeSObjectResult> => c.sobject(object).describe());
    return described.fields.map((f) => ({
      name: String(f.name), label: String(f.label), type: String(f.type), externalId: f.externalId === true,
      required: !f.nillable && f.createable && !f.defaultedOnCreate,
    }));
  });
}

export function registerSalesforceConfigRoutes(RED: RED): void {
  registerConnectionTest(RED, 'salesforce', 'fg-salesforce-config', Object.keys(SALESFORCE_CREDENTIALS), ['loginTarget', 'loginUrl'], async ({ config, credentials }) => {
    const sessionConfig = salesforceSessionConfig(readSettings(SALESFORCE_CONFIG_SETTINGS, config), credentials);
    const { apiVersion } = sessionConfig;
    const session = new SalesforceSession(sessionConfig);
    try {
      const identity = await session.call((c: Connection): Promise<IdentityInfo> => c.identity());
      // The identity URL is version-less: a REST call at the configured version proves the org offers that version.
      await session.call((c: Connection) => c.request(`/services/data/v${apiVersion}/`));
      return {
        summary: `Signed in as ${identity.username} to org ${identity.organization_id}, API ${apiVersion}`,
        details: { organizationId: identity.organization_id, userId: identity.user_id, username: identity.username, apiVersion },
      };
    } finally {
      session.close();
    }
  });

  registerOnce(RED, 'salesforce/pickers', () => {
    const read = RED.auth.needsPermission('flowguard.read');
    const sessionOf = (req: Request, res: Response): SalesforceSession | undefined => {
      const cfg = RED.nodes.getNode(req.params.id) as SalesforceConfigNode | null;
      if (cfg?.problem) return void res.status(409).json({ error: `Salesforce config cannot be used: ${cfg.problem}` });
      if (!cfg?.session) res.status(404).json({ error: 'Deploy the Salesforce config node first, then reopen this dialog' });
      return cfg?.session;
    };
    RED.httpAdmin.get('/flowguard/salesforce/:id/sobjects', read, async (req: Request, res: Response) => {
      const session = sessionOf(req, res);
      if (!session) return;
      try {
        res.json(await objectsOf(session));
      } catch (err) {
        res.status(502).json({ error: `Salesforce: ${(err as Error).message}` });
      }
    });
    RED.httpAdmin.get('/flowguard/salesforce/:id/sobjects/:object/fields', read, async (req: Request, res: Response) => {
      const session = sessionOf(req, res);
      if (!session) return;
      try {
        const wanted = String(req.params.object).toLowerCase();
        const object = (await objectsOf(session)).find((o) => o.name.toLowerCase() === wanted);
        if (!object) return void res.status(404).json({ error: `This org has no object named "${req.params.object}": pick one from the list` });
        res.json(await fieldsOf(session, object.name));
      } catch (err) {
        res.status(502).json({ error: `Salesforce: ${(err as Error).message}` });
      }
    });
  });
}
