// Chat messages (Slack Block Kit, Teams Adaptive Cards) for the alerts and the Monday headline. Pure.
export * from './headline';
export * from './slack';
export * from './teams';
