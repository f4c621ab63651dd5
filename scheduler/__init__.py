"""The programme's rhythm: periodic sweeps that find what is due (nudges, reminders, check-ins, surveys,
reconfirmations) and queue each notice exactly once, in the person's daytime, at most one message a day."""
