#!/bin/sh
# The Rose HA alarm: Baton runs this for every event, with the event in BATON_* variables. Events that
# need an administrator (warning and worse, or any with a suggested action) become one alarm line in the
# system log and in /var/log/baton-alarms.log; the others are ignored.
case "$BATON_SEVERITY" in
    info) [ -z "$BATON_ACTION" ] && exit 0 ;;
esac
line="BATON ALARM [$BATON_SEVERITY] $BATON_EVENT on $BATON_NODE (seen by $BATON_REPORTER, role $BATON_ROLE)"
[ -n "$BATON_GROUP" ] && line="$line, group $BATON_GROUP"
[ -n "$BATON_RESOURCE" ] && line="$line, resource $BATON_RESOURCE"
line="$line: $BATON_MESSAGE"
[ -n "$BATON_ACTION" ] && line="$line. Action: $BATON_ACTION"
printf '%s\n' "$line" >> /var/log/baton-alarms.log
command -v logger > /dev/null && logger -t baton -- "$line"
exit 0
