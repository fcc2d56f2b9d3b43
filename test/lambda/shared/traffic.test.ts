/**
 * Shared load balancers: the shift, the restore and the read touch exactly the forward actions
 * of the production listener that target the service's pair (default actions and rules), and
 * send every other action, its Order and the stickiness back unchanged.
 */
import {
  Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
  Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { createClients } from '../../../lambda/shared/clients';
import { ConfigurationError } from '../../../lambda/shared/errors';
import { readPairForwards, readWeights, restoreStable, setWeights } from '../../../lambda/shared/traffic';

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const clients = createClients();

const LB = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const LISTENER = `${LB}:listener/app/shared-alb/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const rule = (id: string) => `${LB}:listener-rule/app/shared-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/${id}`;
const tg = (name: string) => `${LB}:targetgroup/${name}/0123456789abcdef`;
const API_A = tg('api-a'); const API_B = tg('api-b');
const WEB_A = tg('web-a'); const WEB_B = tg('web-b');
const OTHER = tg('other-app');
const api = { blueTargetGroupArn: API_A, greenTargetGroupArn: API_B };
const web = { blueTargetGroupArn: WEB_A, greenTargetGroupArn: WEB_B };

const OIDC: Action = {
  Type: 'authenticate-oidc',
  Order: 1,
  AuthenticateOidcConfig: {
    Issuer: 'https://idp.example.com', AuthorizationEndpoint: 'https://idp.example.com/auth', TokenEndpoint: 'https://idp.example.com/token',
    UserInfoEndpoint: 'https://idp.example.com/userinfo', ClientId: 'client-1', SessionCookieName: 'AWSELBAuthSessionCookie', Scope: 'openid',
    SessionTimeout: 604800, OnUnauthenticatedRequest: 'authenticate',
  },
};
const COGNITO: Action = {
  Type: 'authenticate-cognito',
  Order: 1,
  AuthenticateCognitoConfig: { UserPoolArn: 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc', UserPoolClientId: 'c', UserPoolDomain: 'd' },
};
const STICKY = { Enabled: true, DurationSeconds: 3600 };
const FIXED_404: Action = { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain' } };

/** What DescribeListeners/DescribeRules return for a forward (a single group also comes as TargetGroupArn). */
const forward = (groups: [string, number][], extra: Partial<Action> = {}, stickiness?: typeof STICKY): Action => ({
  Type: 'forward',
  ...(groups.length === 1 ? { TargetGroupArn: groups[0][0] } : {}),
  ForwardConfig: {
    TargetGroups: groups.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })),
    ...(stickiness ? { TargetGroupStickinessConfig: stickiness } : {}),
  },
  ...extra,
});

/** A listener that ModifyListener and ModifyRule really change, with rules in DescribeRules pages of two. */
class FakeListener {
  constructor(public defaults: Action[], public rules: Rule[]) {}
  readonly writes: string[] = [];

  /** As the ALB stores it: the OIDC client secret (and the flag to keep it) never come back from Describe*. */
  private static stored(actions: Action[] | undefined): Action[] {
    return structuredClone(actions ?? []).map((a) => {
      if (!a.AuthenticateOidcConfig) return a;
      const { ClientSecret: _secret, UseExistingClientSecret: _keep, ...config } = a.AuthenticateOidcConfig;
      return { ...a, AuthenticateOidcConfig: config as typeof a.AuthenticateOidcConfig };
    });
  }

  install(): this {
    elbv2.reset();
    elbv2.on(DescribeListenersCommand).callsFake(() => ({ Listeners: [{ ListenerArn: LISTENER, DefaultActions: structuredClone(this.defaults) }] }));
    elbv2.on(DescribeRulesCommand).callsFake((input) => {
      expect(input.ListenerArn).toBe(LISTENER);
      const all = [...this.rules, { RuleArn: rule('default'), Priority: 'default', IsDefault: true, Conditions: [], Actions: this.defaults }];
      const start = Number(input.Marker ?? 0);
      return { Rules: structuredClone(all.slice(start, start + 2)), NextMarker: start + 2 < all.length ? String(start + 2) : undefined };
    });
    elbv2.on(ModifyListenerCommand).callsFake((input) => {
      this.defaults = FakeListener.stored(input.DefaultActions);
      this.writes.push('listener');
      return {};
    });
    elbv2.on(ModifyRuleCommand).callsFake((input) => {
      const r = this.rules.find((x) => x.RuleArn === input.RuleArn);
      if (!r) throw new Error(`no rule ${input.RuleArn}`);
      r.Actions = FakeListener.stored(input.Actions);
      this.writes.push(input.RuleArn.split('/').pop());
      return {};
    });
    return this;
  }

  actionsOf(id: string): Action[] | undefined {
    return this.rules.find((r) => r.RuleArn === rule(id))?.Actions;
  }
}

const modifyRuleInputs = () => elbv2.commandCalls(ModifyRuleCommand).map((c) => c.args[0].input);

const pathRule = (id: string, priority: string, path: string, actions: Action[]): Rule => ({
  RuleArn: rule(id), Priority: priority, IsDefault: false,
  Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [path] } }],
  Actions: actions,
});

describe('default actions: authenticate + forward', () => {
  test('the shift keeps the authentication action, its Order, the forward Order and stickiness', async () => {
    new FakeListener([OIDC, forward([[API_A, 1]], { Order: 2 }, STICKY)], []).install();

    await setWeights(clients, LISTENER, api, 5);

    expect(elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    expect(elbv2).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: LISTENER,
      DefaultActions: [
        { ...OIDC, AuthenticateOidcConfig: { ...OIDC.AuthenticateOidcConfig, UseExistingClientSecret: true } },
        {
          Type: 'forward',
          Order: 2,
          ForwardConfig: {
            TargetGroups: [{ TargetGroupArn: API_A, Weight: 95 }, { TargetGroupArn: API_B, Weight: 5 }],
            TargetGroupStickinessConfig: STICKY,
          },
        },
      ],
    });
    // Two groups must come as ForwardConfig only (TargetGroupArn allows one group).
    const sent = elbv2.commandCalls(ModifyListenerCommand)[0].args[0].input.DefaultActions![1];
    expect(sent).not.toHaveProperty('TargetGroupArn');
    expect(elbv2).not.toHaveReceivedCommand(ModifyRuleCommand);
  });

  test('cognito authentication is sent back as it was; restore and read go through the same path', async () => {
    const fake = new FakeListener([COGNITO, forward([[API_A, 70], [API_B, 30]], { Order: 2 })], []).install();

    expect(await readWeights(clients, LISTENER, [API_A, API_B])).toEqual([{ TargetGroupArn: API_A, Weight: 70 }, { TargetGroupArn: API_B, Weight: 30 }]);
    await restoreStable(clients, LISTENER, api);

    expect(elbv2).toHaveReceivedCommandWith(ModifyListenerCommand, {
      ListenerArn: LISTENER,
      DefaultActions: [COGNITO, { Type: 'forward', Order: 2, ForwardConfig: { TargetGroups: [{ TargetGroupArn: API_A, Weight: 100 }, { TargetGroupArn: API_B, Weight: 0 }] } }],
    });
    expect(fake.defaults[0]).toEqual(COGNITO);
  });
});

describe('one listener shared by two canary services on path rules', () => {
  let fake: FakeListener;
  const defaults = [FIXED_404];
  beforeEach(() => {
    fake = new FakeListener(defaults, [
      pathRule('web', '20', '/web/*', [OIDC, forward([[WEB_A, 1]], { Order: 2 })]),
      pathRule('api', '10', '/api/*', [forward([[API_A, 1]], {}, STICKY)]),
      pathRule('docs', '30', '/docs/*', [forward([[OTHER, 1]])]),
    ]).install();
  });

  test('each service moves only its own rule; the default action and other rules are never written', async () => {
    await setWeights(clients, LISTENER, api, 5);

    expect(elbv2).toHaveReceivedCommandTimes(ModifyRuleCommand, 1);
    expect(elbv2).toHaveReceivedCommandWith(ModifyRuleCommand, {
      RuleArn: rule('api'),
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: API_A, Weight: 95 }, { TargetGroupArn: API_B, Weight: 5 }], TargetGroupStickinessConfig: STICKY } }],
    });
    // Conditions and priority are not sent: ModifyRule keeps what is not specified.
    expect(elbv2.commandCalls(ModifyRuleCommand)[0].args[0].input).not.toHaveProperty('Conditions');
    expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);

    await setWeights(clients, LISTENER, web, 25);
    expect(modifyRuleInputs()[1]).toEqual({
      RuleArn: rule('web'),
      Actions: [
        { ...OIDC, AuthenticateOidcConfig: { ...OIDC.AuthenticateOidcConfig, UseExistingClientSecret: true } },
        { Type: 'forward', Order: 2, ForwardConfig: { TargetGroups: [{ TargetGroupArn: WEB_A, Weight: 75 }, { TargetGroupArn: WEB_B, Weight: 25 }] } },
      ],
    });
    expect(fake.writes).toEqual(['api', 'web']);
    expect(fake.defaults).toEqual(defaults);
    expect(fake.actionsOf('docs')).toEqual([forward([[OTHER, 1]])]);
  });

  test('deployed at the same time (interleaved shifts and a restore), each keeps its own weights', async () => {
    await Promise.all([setWeights(clients, LISTENER, api, 5), setWeights(clients, LISTENER, web, 5)]);
    await setWeights(clients, LISTENER, api, 25);
    await restoreStable(clients, LISTENER, web);
    await setWeights(clients, LISTENER, api, 50);

    expect(await readWeights(clients, LISTENER, [API_A, API_B])).toEqual([{ TargetGroupArn: API_A, Weight: 50 }, { TargetGroupArn: API_B, Weight: 50 }]);
    expect(await readWeights(clients, LISTENER, [WEB_A, WEB_B])).toEqual([{ TargetGroupArn: WEB_A, Weight: 100 }, { TargetGroupArn: WEB_B, Weight: 0 }]);
    expect([...fake.writes].sort()).toEqual(['api', 'api', 'api', 'web', 'web']);
    expect(fake.actionsOf('web')?.[0]).toEqual(OIDC);
    expect(fake.defaults).toEqual(defaults);
    expect(fake.actionsOf('docs')).toEqual([forward([[OTHER, 1]])]);
  });

  test('readPairForwards finds rules across DescribeRules pages, in priority order', async () => {
    fake.rules.push(pathRule('api-host', '5', '/v2/*', [forward([[API_B, 1]])]));
    const found = await readPairForwards(clients, LISTENER, [API_A, API_B]);
    expect(found.map((f) => f.ruleArn)).toEqual([rule('api-host'), rule('api')]);
    expect(elbv2).toHaveReceivedCommandTimes(DescribeRulesCommand, 3);

    await setWeights(clients, LISTENER, api, 5);
    expect(fake.writes).toEqual(['api-host', 'api']);
  });
});

describe('a default action that forwards elsewhere', () => {
  test('stays untouched while the service rule moves', async () => {
    const other = [forward([[OTHER, 1]])];
    const fake = new FakeListener(other, [pathRule('api', '10', '/api/*', [forward([[API_A, 100], [API_B, 0]])])]).install();

    await setWeights(clients, LISTENER, api, 5);
    await restoreStable(clients, LISTENER, api);

    expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(modifyRuleInputs()[1]).toEqual({
      RuleArn: rule('api'),
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: API_A, Weight: 100 }, { TargetGroupArn: API_B, Weight: 0 }] } }],
    });
    expect(fake.defaults).toEqual(other);
  });

  test('a forward mixing the pair with another group is not ours', async () => {
    new FakeListener([forward([[API_A, 50], [OTHER, 50]])], []).install();
    expect(await readPairForwards(clients, LISTENER, [API_A, API_B])).toEqual([]);
  });

  test('a listener that forwards nowhere to the pair: the shift, restore and read fail naming the listener, nothing is written', async () => {
    new FakeListener([forward([[OTHER, 1]])], [pathRule('x', '1', '/x', [FIXED_404])]).install();

    for (const call of [
      () => setWeights(clients, LISTENER, api, 5),
      () => restoreStable(clients, LISTENER, api),
      () => readWeights(clients, LISTENER, [API_A, API_B]),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigurationError);
      expect((err as Error).message).toBe(`listener ${LISTENER} forwards to none of ${API_A}, ${API_B} (neither its default actions nor any listener rule forward to exactly these target groups)`);
    }
    expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
    expect(elbv2).not.toHaveReceivedCommand(ModifyRuleCommand);
  });
});

describe('a service on both the default action and a rule', () => {
  test('both forwards move, like CodeDeploy shifts both', async () => {
    const fake = new FakeListener([forward([[API_A, 1]])], [pathRule('api', '10', '/api/*', [forward([[API_A, 1]])])]).install();
    await setWeights(clients, LISTENER, api, 5);
    expect(fake.writes).toEqual(['api', 'listener']);
    expect(fake.defaults).toEqual([{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: API_A, Weight: 95 }, { TargetGroupArn: API_B, Weight: 5 }] } }]);
  });
});
