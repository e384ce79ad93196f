// SES for Pulse: a domain identity for the sender's domain with Easy DKIM, and a configuration set
// that publishes bounces and complaints to an SNS topic. The function that consumes the topic and
// suppresses addresses comes later; it subscribes to `feedbackTopic`.
import { CfnOutput, Stack } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import {
  ConfigurationSet,
  ConfigurationSetTlsPolicy,
  DkimIdentity,
  EasyDkimSigningKeyLength,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

export interface MailerProps {
  /** The sender address (config `sender.from`); its domain becomes the SES identity. */
  readonly senderAddress: string;
  /**
   * Require TLS to the receiving mail server (the reports carry revenue figures).
   * @default true
   */
  readonly requireTls?: boolean;
  /**
   * Custom MAIL FROM subdomain (e.g. `mail`), which aligns SPF with the sender domain for DMARC.
   * Needs an MX and a TXT record; see docs/deploy.md.
   * @default - SES's own MAIL FROM domain (amazonses.com)
   */
  readonly mailFromSubdomain?: string;
}

/** The domain part of an email address (lower-cased). */
export function senderDomain(address: string): string {
  const at = address.lastIndexOf('@');
  const domain =
    at < 0
      ? ''
      : address
          .slice(at + 1)
          .trim()
          .toLowerCase();
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) throw new Error(`Mailer: "${address}" has no usable domain`);
  return domain;
}

export class Mailer extends Construct {
  readonly domain: string;
  readonly identity: EmailIdentity;
  readonly configurationSet: ConfigurationSet;
  /** Bounce and complaint notifications from the configuration set (subscribe the suppression function here). */
  readonly feedbackTopic: Topic;
  /** ARN of the configuration set (SES authorises sends against it too). */
  readonly configurationSetArn: string;

  constructor(scope: Construct, id: string, props: MailerProps) {
    super(scope, id);
    this.domain = senderDomain(props.senderAddress);

    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      tlsPolicy: props.requireTls === false ? ConfigurationSetTlsPolicy.OPTIONAL : ConfigurationSetTlsPolicy.REQUIRE,
      // The account-level suppression list stops sends to addresses that bounced or complained,
      // even before our own suppression function exists.
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSetArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });

    this.feedbackTopic = new Topic(this, 'FeedbackTopic', {
      displayName: 'Pulse SES bounces and complaints',
      enforceSSL: true,
    });
    acknowledge(
      this.feedbackTopic,
      'NIST.800.53.R5-SNSEncryptedKMS',
      'SES publishes bounce and complaint notifications to this topic; SES can publish to an SSE-KMS topic only through a customer-managed key whose policy admits ses.amazonaws.com, and the messages (recipient addresses and SMTP diagnostics, TLS-only through enforceSSL) are kept nowhere by SNS beyond delivery.',
    );
    this.configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: EventDestination.snsTopic(this.feedbackTopic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });

    this.identity = new EmailIdentity(this, 'Identity', {
      identity: Identity.domain(this.domain),
      configurationSet: this.configurationSet,
      dkimSigning: true,
      dkimIdentity: DkimIdentity.easyDkim(EasyDkimSigningKeyLength.RSA_2048_BIT),
      mailFromDomain: props.mailFromSubdomain ? `${props.mailFromSubdomain}.${this.domain}` : undefined,
    });

    // The three CNAME records that verify the domain and turn on DKIM signing.
    this.identity.dkimRecords.forEach((record, i) => {
      new CfnOutput(this, `DkimRecord${i + 1}`, {
        description: `DKIM CNAME ${i + 1} of 3 for ${this.domain}: add "<Name> CNAME <Value>" to the domain's DNS`,
        value: `${record.name} CNAME ${record.value}`,
      });
    });
  }

  /** Lets a function send mail from the identity through the configuration set (SESv2 SendEmail). */
  grantSend(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [this.identity.emailIdentityArn, this.configurationSetArn],
      }),
    );
  }
}
