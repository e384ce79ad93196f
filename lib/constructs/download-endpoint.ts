// The archive's download endpoint: a Lambda function whose own role may only read archive objects,
// decrypt them with the archive key, and read the link signing key. Links in emails and on the
// index carry a token signed with that key; the function checks it and redirects to a presigned S3
// URL valid for minutes, made with its own short-lived role credentials at the moment of the
// download.
//
// The public address is a CloudFront distribution (HTTPS only, optional custom domain and AWS WAF
// rate-based rule, nothing cached, security headers added). Its origin is the function URL, which
// takes AWS_IAM auth: CloudFront signs every origin request through an Origin Access Control, and
// the only principal allowed lambda:InvokeFunctionUrl is this distribution. The function URL
// itself answers 403 to anyone else. `pulse archive serve` runs the same handler on loopback
// without any of this.
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  Function as EdgeFunction,
  type HeadersFrameOption,
  type HeadersReferrerPolicy,
  HttpVersion,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  SSLMethod,
  ViewerProtocolPolicy,
  type ResponseCustomHeader,
  type ResponseSecurityHeadersBehavior,
} from 'aws-cdk-lib/aws-cloudfront';
import { FunctionUrlOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { PolicyStatement, type IGrantable, type Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnPermission, FunctionUrlAuthType, InvokeMode, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnLoggingConfiguration, CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { COMMON_HEADERS } from '../../functions/domain/archive/download-page';
import { logsKey } from './keys';
import { acknowledge, acknowledgeWildcardResources } from './nag';
import { PulseFunction, type PulseFunctionEnvironment } from './pulse-function';

/**
 * The request header that carries the viewer's Host (the distribution's or the custom domain)
 * to the function: CloudFront sends the function URL's own host as Host, so a viewer-request
 * CloudFront Function copies it here first (overwriting any value the viewer sent). Only
 * CloudFront can invoke the function URL, so the function may trust it.
 */
export const PUBLIC_HOST_HEADER = 'x-forwarded-host';

/** HSTS max-age CloudFront adds to every response: two years. */
const HSTS_MAX_AGE = Duration.days(730);

/** A custom domain for the endpoint: its name and an ACM certificate for it in us-east-1 (CloudFront's region). */
export interface DownloadDomain {
  readonly domainName: string;
  readonly certificateArn: string;
}

/**
 * AWS WAF in front of the endpoint: either an existing web ACL (CLOUDFRONT scope, in us-east-1),
 * or a rate-based rule created here, which CloudFront accepts only from a stack in us-east-1.
 */
export type DownloadWebAcl = { readonly webAclArn: string } | { readonly requestsPer5Minutes: number };

/** Only objects under this prefix can be downloaded (the tokens are refused for anything else too). */
export const ARCHIVE_KEY_PREFIX = 'archive/';

export interface DownloadEndpointProps {
  /** Absolute path of functions/handlers/download.ts. */
  readonly entry: string;
  readonly configFile: string;
  readonly environment: PulseFunctionEnvironment;
  readonly archiveBucket: IBucket;
  readonly archiveKey: IKey;
  /**
   * Lifetime of the presigned URL the endpoint redirects to.
   * @default Duration.minutes(5)
   */
  readonly presignedUrlLifetime?: Duration;
  /** @default - the distribution's own *.cloudfront.net name and certificate */
  readonly domain?: DownloadDomain;
  /** @default - no AWS WAF */
  readonly webAcl?: DownloadWebAcl;
}

export class DownloadEndpoint extends Construct {
  /** The HMAC key that signs download links (64 random characters; RETAIN: deleting it kills every link). */
  readonly signingKey: Secret;
  readonly handler: PulseFunction;
  /** The function URL: AWS_IAM auth, invocable by the distribution alone. */
  readonly functionUrl: FunctionUrl;
  readonly distribution: Distribution;
  /**
   * The public base of the links, `https://<domain or distribution>/`. Not for the endpoint's own
   * environment unless `domain` is given: without one it names the distribution, which depends on
   * the function (a circular dependency); the function reads PUBLIC_HOST_HEADER instead.
   */
  readonly url: string;
  /** The rate-based web ACL, when `webAcl.requestsPer5Minutes` asked for one. */
  readonly webAcl?: CfnWebACL;

  constructor(scope: Construct, id: string, props: DownloadEndpointProps) {
    super(scope, id);
    const lifetime = (props.presignedUrlLifetime ?? Duration.minutes(5)).toSeconds();
    if (lifetime < 60 || lifetime > 3600)
      throw new Error(`DownloadEndpoint: presignedUrlLifetime must be 1 to 60 minutes (got ${lifetime} s)`);

    this.signingKey = new Secret(this, 'LinkSigningKey', {
      description: 'Pulse: HMAC key that signs the finance archive download links',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const rotation =
      'The link signing key is rotated by hand (docs/archive.md): the secret then holds {"current", "previous"} so links already sent keep working until they expire; an automatic rotation would invalidate every link in every email at once.';
    acknowledge(this.signingKey, 'AwsSolutions-SMG4', rotation);
    acknowledge(this.signingKey, 'NIST.800.53.R5-SecretsManagerRotationEnabled', rotation);
    acknowledge(
      this.signingKey,
      'NIST.800.53.R5-SecretsManagerUsingKMSKey',
      'The secret is encrypted with the AWS managed key aws/secretsmanager; who may read it is decided by IAM: only the roles granted secretsmanager:GetSecretValue on this secret by name (the endpoint and the jobs with links:sign), and a customer-managed key would only repeat that list in a key policy.',
    );

    this.handler = new PulseFunction(this, 'Endpoint', {
      entry: props.entry,
      configFile: props.configFile,
      environment: {
        ...props.environment,
        PULSE_LINK_SECRET_ID: this.signingKey.secretArn,
        PULSE_PRESIGN_SECONDS: String(lifetime),
      } as PulseFunctionEnvironment,
      description: 'Pulse download endpoint: checks a signed archive link and redirects to a short-lived S3 URL',
      memorySize: 256,
      timeout: Duration.seconds(10),
      asyncRetryAttempts: 0,
    });
    this.grantRead(this.handler.role, props);
    if (props.domain) this.handler.function.addEnvironment('PULSE_DOWNLOAD_URL', `https://${props.domain.domainName}/`);
    this.functionUrl = this.handler.function.addFunctionUrl({
      authType: FunctionUrlAuthType.AWS_IAM,
      invokeMode: InvokeMode.BUFFERED,
    });

    let webAclArn: string | undefined;
    if (props.webAcl && 'webAclArn' in props.webAcl) webAclArn = props.webAcl.webAclArn;
    else if (props.webAcl) {
      this.webAcl = this.rateLimitAcl(props.webAcl.requestsPer5Minutes);
      webAclArn = this.webAcl.attrArn;
    }
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Pulse finance archive download endpoint',
      defaultBehavior: {
        origin: FunctionUrlOrigin.withOriginAccessControl(this.functionUrl, { readTimeout: Duration.seconds(10) }),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        // GET/HEAD serve links; the sign-in flow may POST (see docs/deploy.md on x-amz-content-sha256).
        allowedMethods: AllowedMethods.ALLOW_ALL,
        // Every answer is per request (a fresh presigned URL, a sign-in page): nothing is cached.
        cachePolicy: CachePolicy.CACHING_DISABLED,
        // Query strings, cookies and every viewer header but Host (the function URL needs its own).
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: this.responseHeaders(),
        functionAssociations: [{ eventType: FunctionEventType.VIEWER_REQUEST, function: this.publicHostFunction() }],
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      ...(props.domain
        ? {
            domainNames: [props.domain.domainName],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
            sslSupportMethod: SSLMethod.SNI,
          }
        : {}),
      ...(webAclArn ? { webAclId: webAclArn } : {}),
    });
    this.url = `https://${props.domain?.domainName ?? this.distribution.distributionDomainName}/`;
    this.restrictInvokePermissionsToDistribution();
    this.acknowledgeDistribution(props);

    new CfnOutput(this, 'Url', {
      key: 'DownloadUrl',
      value: this.url,
      description: 'Base of the durable archive links (<url>d/<token>)',
    });
    new CfnOutput(this, 'DistributionDomain', {
      key: 'DownloadDistributionDomain',
      value: this.distribution.distributionDomainName,
      description: 'CloudFront domain of the download endpoint (the CNAME target of a custom domain)',
    });
    new CfnOutput(this, 'SecretArn', {
      key: 'LinkSecretArn',
      value: this.signingKey.secretArn,
      description: 'Secrets Manager secret that signs archive links',
    });
  }

  /** A web ACL (CloudFront scope) with one rate-based rule: at most `limit` requests per client address in 5 minutes. */
  private rateLimitAcl(limit: number): CfnWebACL {
    if (!Number.isInteger(limit) || limit < 10 || limit > 2_000_000_000)
      throw new Error(`DownloadEndpoint: requestsPer5Minutes must be a whole number from 10 (got ${limit})`);
    const region = Stack.of(this).region;
    if (!Token.isUnresolved(region) && region !== 'us-east-1') {
      throw new Error(
        `DownloadEndpoint: a CloudFront web ACL can only be created in us-east-1 (this stack is in ${region}); create it there and pass its ARN as webAcl.webAclArn (docs/deploy.md)`,
      );
    }
    const metric = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: name,
    });
    const acl = new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'Pulse download endpoint: requests per client address and 5 minutes',
      defaultAction: { allow: {} },
      visibilityConfig: metric('PulseDownload'),
      rules: [
        {
          name: 'RatePerClientAddress',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit, evaluationWindowSec: 300, aggregateKeyType: 'IP' } },
          visibilityConfig: metric('PulseDownloadRate'),
        },
      ],
    });
    // WAF logs every request it sees; the path, query string and cookies can carry a link token, a
    // sign-in code or a session, so they are redacted. WAF requires the aws-waf-logs- name prefix.
    const stack = Stack.of(this);
    const logs = new LogGroup(this, 'WebAclLogs', {
      logGroupName: `aws-waf-logs-${stack.stackName}-download`,
      retention: RetentionDays.ONE_YEAR,
      encryptionKey: logsKey(this),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new CfnLoggingConfiguration(this, 'WebAclLogging', {
      resourceArn: acl.attrArn,
      logDestinationConfigs: [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logs.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [{ uriPath: {} }, { queryString: {} }, { singleHeader: { Name: 'cookie' } }],
    });
    return acl;
  }

  /**
   * The headers the endpoint sets on its pages (COMMON_HEADERS of functions/domain/archive/
   * download-page.ts), added by CloudFront to every response too, plus HSTS; the function's own
   * Content-Security-Policy wins where it sets one.
   */
  private responseHeaders(): ResponseHeadersPolicy {
    const security: { -readonly [K in keyof ResponseSecurityHeadersBehavior]: ResponseSecurityHeadersBehavior[K] } = {
      strictTransportSecurity: { accessControlMaxAge: HSTS_MAX_AGE, includeSubdomains: false, override: true },
    };
    const custom: ResponseCustomHeader[] = [];
    for (const [header, value] of Object.entries(COMMON_HEADERS)) {
      switch (header.toLowerCase()) {
        case 'content-security-policy':
          security.contentSecurityPolicy = { contentSecurityPolicy: value, override: false };
          break;
        case 'x-content-type-options':
          if (value !== 'nosniff')
            throw new Error(`DownloadEndpoint: X-Content-Type-Options "${value}" is not nosniff`);
          security.contentTypeOptions = { override: true };
          break;
        case 'x-frame-options':
          security.frameOptions = { frameOption: value.toUpperCase() as HeadersFrameOption, override: true };
          break;
        case 'referrer-policy':
          security.referrerPolicy = { referrerPolicy: value as HeadersReferrerPolicy, override: true };
          break;
        default:
          custom.push({ header, value, override: true });
      }
    }
    return new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'Pulse download endpoint: no caching, no referrer, no framing, HSTS',
      securityHeadersBehavior: security,
      customHeadersBehavior: { customHeaders: custom },
    });
  }

  /** Viewer request: the viewer's Host, copied where the function can read it (PUBLIC_HOST_HEADER). */
  private publicHostFunction(): EdgeFunction {
    return new EdgeFunction(this, 'PublicHost', {
      comment: `Pulse: copies the viewer's Host into ${PUBLIC_HOST_HEADER}`,
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(
        `function handler(event) {\n  var request = event.request;\n  request.headers['${PUBLIC_HOST_HEADER}'] = { value: request.headers.host.value };\n  return request;\n}\n`,
      ),
    });
  }

  /**
   * The lambda:InvokeFunctionUrl and lambda:InvokeFunction permissions FunctionUrlOrigin gives
   * cloudfront.amazonaws.com name this distribution in SourceArn, and SourceAccount this account.
   * Control Tower's CT.LAMBDA.PR.2 check accepts a SourceArn only as a literal or as a reference to
   * a resource of the template, and a CloudFront distribution has no Arn attribute to reference:
   * so the stack publishes the distribution's ARN as an SSM parameter (useful to operators too)
   * and the permissions reference its value. The ARN is the same; the check can now see where it
   * comes from, with or without an account at synth time.
   */
  private restrictInvokePermissionsToDistribution(): void {
    const permissions = this.distribution.node.findAll().filter((c): c is CfnPermission => c instanceof CfnPermission);
    if (permissions.length === 0)
      throw new Error('DownloadEndpoint: FunctionUrlOrigin created no invoke permission for CloudFront');
    const distributionArn = new StringParameter(this, 'DistributionArn', {
      description:
        "Pulse: the ARN of the download endpoint's CloudFront distribution (the only caller of its function URL)",
      stringValue: Stack.of(this).formatArn({
        service: 'cloudfront',
        region: '',
        resource: 'distribution',
        resourceName: this.distribution.distributionId,
      }),
    });
    for (const permission of permissions) {
      permission.sourceArn = distributionArn.stringValue;
      permission.sourceAccount = Stack.of(this).account;
    }
  }

  /** The cdk-nag findings of the distribution that remain by design or by the deployer's choice. */
  private acknowledgeDistribution(props: DownloadEndpointProps): void {
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'Finance readers open archive links from wherever they work; access is decided per request by the signed link (and the sign-in flow), not by country.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR3',
      "The endpoint function logs every request it answers (JSON logs in its encrypted log group); CloudFront standard logs need a bucket with ACLs enabled, which the stack's access-log bucket deliberately is not (BucketOwnerEnforced).",
    );
    if (!props.webAcl) {
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR2',
        'No AWS WAF web ACL was configured for this deployment (-c downloadWafRateLimit=N in us-east-1, or -c downloadWebAclArn=ARN); every request still needs a valid signed link, and the function answers junk before any AWS call.',
      );
    }
    if (!props.domain) {
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR4',
        'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose TLS policy CloudFront fixes; with -c downloadDomain and -c downloadCertificateArn it requires TLSv1.2_2021.',
      );
    }
  }

  /** Lets another role (the weekly report) sign links: read the signing key. */
  grantSignLinks(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.signingKey.secretArn] }),
    );
  }

  private grantRead(role: Role, props: DownloadEndpointProps): void {
    const objects = [props.archiveBucket.arnForObjects(`${ARCHIVE_KEY_PREFIX}*`)];
    const add = (actions: string[], resources: string[]) =>
      role.addToPrincipalPolicy(new PolicyStatement({ actions, resources }));
    add(['s3:GetObject'], objects);
    // Without ListBucket, S3 answers 403 instead of 404 for a missing key; the endpoint tells the two apart.
    add(['s3:ListBucket'], [props.archiveBucket.bucketArn]);
    add(['kms:Decrypt'], [props.archiveKey.keyArn]);
    add(['secretsmanager:GetSecretValue'], [this.signingKey.secretArn]);
    acknowledgeWildcardResources(
      role,
      objects,
      'The download endpoint presigns GetObject for whichever archive object a verified link names; object names are per week and not known in advance, so the grant is read-only and scoped to the archive/ prefix of the archive bucket.',
    );
  }
}
