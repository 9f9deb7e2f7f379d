"""Analytics: the customer 360 view, segmentation, CLV, churn signals and KPIs."""
